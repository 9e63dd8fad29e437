package com.liftos.security.auth;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.account.Accounts;
import com.liftos.security.auth.oauth.ServiceAccount;
import com.liftos.security.auth.oauth.ServiceAccounts;
import com.liftos.security.auth.password.HashingGate;
import com.liftos.security.auth.password.PasswordHasher;
import com.liftos.security.auth.password.PasswordRules;
import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.Users;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.identity.Permission;
import com.liftos.security.identity.Principal;
import com.liftos.security.org.Organization;
import com.liftos.security.org.Organizations;
import com.liftos.security.identity.Role;
import com.liftos.security.identity.RoleDirectory;
import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import io.javalin.http.Context;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** Organizations and their users: {@code POST /v1/orgs}, {@code POST /v1/orgs/{orgId}/users}. */
final class AccountRoutes {
    static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");

    private final Db db;
    private final Users users;
    private final Organizations orgs;
    private final PasswordHasher hasher;
    private final HashingGate gate;
    private final AuditLog audit;
    private final Bodies bodies;
    private final Clock clock;
    private final Accounts accounts;
    private final ServiceAccounts serviceAccounts;

    /** Built-in and the organization's custom roles, for the roles a new user gets. */
    private final RoleDirectory roles;

    AccountRoutes(Db db, Users users, Organizations orgs, PasswordHasher hasher, HashingGate gate, AuditLog audit,
                  Bodies bodies, Clock clock, Accounts accounts, ServiceAccounts serviceAccounts, RoleDirectory roles) {
        this.roles = roles;
        this.accounts = accounts;
        this.serviceAccounts = serviceAccounts;
        this.db = db;
        this.users = users;
        this.orgs = orgs;
        this.hasher = hasher;
        this.gate = gate;
        this.audit = audit;
        this.bodies = bodies;
        this.clock = clock;
    }

    record NewOrg(String name) {}

    record NewUser(String email, String password, String displayName, List<String> roles) {
        @Override
        public String toString() {
            return "NewUser[email=" + email + ", roles=" + roles + "]";
        }
    }

    record NewServiceAccount(String name, List<String> roles, List<String> permissions) {}

    List<Route> routes() {
        return List.of(
                Route.post("/v1/orgs", Access.require("manage:system"), this::createOrg).doc(RouteDoc.of("Create an organization")
                        .details("It starts with the default security configuration.")
                        .json("NewOrganization").created("Organization")
                        .errors(400, "validation_failed").errors(409, "org_exists")),
                Route.post("/v1/orgs/{orgId}/users", Access.require("manage:users"), this::createUser).doc(RouteDoc.of("Create a user")
                        .details("Roles default to `viewer`; only a super admin grants `super_admin`. The password must meet the organization's policy.")
                        .json("NewUser").created("User")
                        .errors(400, "validation_failed").errors(409, "email_taken").errors(503, "busy")),
                Route.post("/v1/orgs/{orgId}/users/{userId}/disable", Access.require("manage:users"), ctx -> setEnabled(ctx, false))
                        .doc(RouteDoc.of("Disable a user").details("Ends their sessions. Only a super admin disables a super admin.")
                                .ok("User").errors(403, "forbidden").errors(409, "cannot_disable_self")),
                Route.post("/v1/orgs/{orgId}/users/{userId}/enable", Access.require("manage:users"), ctx -> setEnabled(ctx, true))
                        .doc(RouteDoc.of("Enable a user").ok("User")),
                Route.post("/v1/orgs/{orgId}/service-accounts", Access.require("manage:users"), this::createServiceAccount)
                        .doc(RouteDoc.of("Create a service account")
                                .details("Its `client_secret` is in this answer only. It gets only roles and permissions the caller holds.")
                                .json("NewServiceAccount").created("ServiceAccountCreated").errors(400, "validation_failed")),
                Route.delete("/v1/orgs/{orgId}/service-accounts/{accountId}", Access.require("manage:users"), this::disableServiceAccount)
                        .doc(RouteDoc.of("Disable a service account").details("Its tokens stop working at once.").noContent("Disabled")));
    }

    private void setEnabled(Context ctx, boolean enabled) {
        RequestContext rc = RequestContext.of(ctx);
        Principal p = rc.requirePrincipal();
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        UUID userId = CoreGuards.pathUuid(ctx, "userId");
        User user = users.find(userId).filter(u -> u.orgId().equals(orgId)).orElseThrow(() -> ApiException.notFound("User not found"));
        if (!enabled && user.id().equals(p.subject())) {
            throw ApiException.conflict("cannot_disable_self", "You cannot disable your own account");
        }
        if (!enabled && user.roles().contains(Role.SUPER_ADMIN.id()) && !p.isSuperAdmin()) {
            throw ApiException.forbidden("Only a super admin can disable a super admin");
        }
        accounts.setEnabled(userId, enabled, new Accounts.Actor(Optional.of(p.subject()), SecurityEvent.ActorType.USER,
                rc.clientIp(), Optional.of(rc.requestId())));
        ctx.json(userBody(users.find(userId).orElseThrow()));
    }

    private void createServiceAccount(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        Principal p = rc.requirePrincipal();
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        if (orgs.find(orgId).isEmpty()) {
            throw ApiException.notFound("Organization not found");
        }
        NewServiceAccount body = bodies.read(ctx, NewServiceAccount.class);
        List<String> problems = new ArrayList<>();
        String name = body.name() == null ? "" : body.name().strip();
        if (name.isEmpty() || name.length() > 200) {
            problems.add("name must be 1-200 characters");
        }
        List<String> roles = body.roles() == null ? List.of() : body.roles().stream().distinct().toList();
        List<String> permissions = new ArrayList<>();
        for (String role : roles) {
            Optional<Role> r = Role.fromId(role);
            if (r.isEmpty()) {
                problems.add("unknown role (viewer, analyst, manager, admin)");
            } else if (r.get() == Role.SUPER_ADMIN) {
                problems.add("a service account cannot be super_admin");
            } else if (!p.permissions().allowsAll(r.get().permissions())) {
                problems.add("you cannot grant a role with permissions you do not hold: " + role);
            }
        }
        for (String perm : body.permissions() == null ? List.<String>of() : body.permissions()) {
            try {
                Permission parsed = Permission.parse(perm);
                if (!p.permissions().allows(parsed) || parsed.action().equals("*") || parsed.resource().equals("*") && !p.isSuperAdmin()) {
                    problems.add("you cannot grant a permission you do not hold: " + parsed);
                } else if (!permissions.contains(parsed.toString())) {
                    permissions.add(parsed.toString());
                }
            } catch (IllegalArgumentException e) {
                problems.add("permissions must be action:resource");
            }
        }
        if (roles.isEmpty() && permissions.isEmpty()) {
            problems.add("give the service account at least one role or permission");
        }
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid service account", problems);
        }
        ServiceAccounts.Created created = db.tx(c -> {
            ServiceAccounts.Created sa = serviceAccounts.create(c, orgId, name, roles, permissions, p.subject());
            audit.record(c, SecurityEvent.builder(SecurityEventType.USER_CREATED, "create_service_account")
                    .org(orgId).actor(p.subject(), SecurityEvent.ActorType.USER).resource("service_account:" + sa.account().id())
                    .clientIp(rc.clientIp()).requestId(rc.requestId()).detail("client_id", sa.account().clientId())
                    .detail("roles", roles).detail("permissions", permissions).build(clock.instant()));
            return sa;
        });
        Map<String, Object> out = serviceAccountBody(created.account());
        out.put("client_secret", created.clientSecret());
        ctx.status(201).json(out);
    }

    private void disableServiceAccount(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        Principal p = rc.requirePrincipal();
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        UUID id = CoreGuards.pathUuid(ctx, "accountId");
        if (serviceAccounts.find(id).filter(a -> a.orgId().equals(orgId) && a.status() == ServiceAccount.Status.ACTIVE).isEmpty()) {
            throw ApiException.notFound("Service account not found");
        }
        serviceAccounts.disable(orgId, id);
        audit.record(SecurityEvent.builder(SecurityEventType.TOKEN_REVOKED, "disable_service_account")
                .org(orgId).actor(p.subject(), SecurityEvent.ActorType.USER).resource("service_account:" + id)
                .clientIp(rc.clientIp()).requestId(rc.requestId()).build(clock.instant()));
        ctx.status(204);
    }

    static Map<String, Object> serviceAccountBody(ServiceAccount a) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", a.id().toString());
        out.put("org_id", a.orgId().toString());
        out.put("name", a.name());
        out.put("client_id", a.clientId());
        out.put("roles", a.roles());
        out.put("permissions", a.permissions());
        out.put("status", a.status().wire());
        out.put("created_at", a.createdAt().toString());
        return out;
    }

    private void createOrg(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        Principal p = rc.requirePrincipal();
        NewOrg body = bodies.read(ctx, NewOrg.class);
        String name = body.name() == null ? "" : body.name().strip();
        if (name.isEmpty() || name.length() > 200) {
            throw ApiException.validation("Invalid organization", List.of("name must be 1-200 characters"));
        }
        Organization org;
        try {
            org = db.tx(c -> {
                Organization o = orgs.create(c, name);
                audit.record(c, SecurityEvent.builder(SecurityEventType.ORG_CREATED, "create_organization")
                        .org(o.id()).actor(p.subject(), SecurityEvent.ActorType.USER).resource("organization:" + o.id())
                        .clientIp(rc.clientIp()).requestId(rc.requestId()).build(clock.instant()));
                return o;
            });
        } catch (StoreException e) {
            throw duplicate(e, "org_exists", "An organization with this name exists");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", org.id().toString());
        out.put("name", org.name());
        out.put("status", org.status());
        out.put("created_at", org.createdAt().toString());
        ctx.status(201).json(out);
    }

    private void createUser(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        Principal p = rc.requirePrincipal();
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        if (orgs.find(orgId).isEmpty()) {
            throw ApiException.notFound("Organization not found");
        }
        NewUser body = bodies.read(ctx, NewUser.class);
        List<String> problems = new ArrayList<>();
        String email = body.email() == null ? "" : body.email().strip().toLowerCase(Locale.ROOT);
        if (!EMAIL.matcher(email).matches() || email.length() > 254) {
            problems.add("email must be an email address");
        }
        List<String> roles = body.roles() == null || body.roles().isEmpty() ? List.of(Role.VIEWER.id()) : body.roles();
        for (String role : roles) {
            Optional<List<Permission>> grants = role == null ? Optional.empty() : this.roles.permissions(orgId, role);
            if (grants.isEmpty()) {
                problems.add("unknown role (viewer, analyst, manager, admin, super_admin, or a custom role of the organization)");
            } else if (Role.fromId(role).filter(Role.SUPER_ADMIN::equals).isPresent() && !p.isSuperAdmin()) {
                problems.add("only a super admin can grant super_admin");
            } else if (!p.permissions().allowsAll(grants.get())) {
                problems.add("a role can only be given by a caller holding all its permissions: '" + role + "'");
            }
        }
        if (body.displayName() != null && body.displayName().length() > 200) {
            problems.add("display_name must be at most 200 characters");
        }
        if (body.password() == null) {
            problems.add("password is required");
        } else {
            problems.addAll(PasswordRules.violations(body.password().toCharArray(), orgs.securityConfig(orgId).passwordPolicy()));
        }
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid user", problems);
        }
        String hash;
        try {
            hash = gate.run(() -> hasher.hash(body.password().toCharArray()));
        } catch (HashingGate.Busy e) {
            throw AuthRoutes.busy();
        }
        List<String> distinctRoles = roles.stream().distinct().toList();
        User user;
        try {
            user = db.tx(c -> {
                User u = users.create(c, orgId, email, Optional.ofNullable(body.displayName()), hash, distinctRoles);
                audit.record(c, SecurityEvent.builder(SecurityEventType.USER_CREATED, "create_user")
                        .org(orgId).actor(p.subject(), SecurityEvent.ActorType.USER).resource("user:" + u.id())
                        .clientIp(rc.clientIp()).requestId(rc.requestId()).detail("roles", distinctRoles).build(clock.instant()));
                return u;
            });
        } catch (StoreException e) {
            throw duplicate(e, "email_taken", "A user with this email exists");
        }
        ctx.status(201).json(userBody(user));
    }

    static Map<String, Object> userBody(User u) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", u.id().toString());
        out.put("org_id", u.orgId().toString());
        out.put("email", u.email());
        u.displayName().ifPresent(d -> out.put("display_name", d));
        out.put("roles", u.roles());
        out.put("status", u.status().wire());
        u.lockedUntil().ifPresent(l -> out.put("locked_until", l.toString()));
        out.put("created_at", u.createdAt().toString());
        return out;
    }

    static RuntimeException duplicate(StoreException e, String code, String message) {
        if (e.getCause() instanceof SQLException s && "23505".equals(s.getSQLState())) {
            return ApiException.conflict(code, message);
        }
        return e;
    }
}
