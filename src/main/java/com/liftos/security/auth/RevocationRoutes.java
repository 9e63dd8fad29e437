package com.liftos.security.auth;

import com.liftos.security.auth.token.RevocationFeed;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.identity.Principal;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /v1/revocations/stream}: the {@link RevocationFeed} as server-sent events, for service accounts holding
 * {@code subscribe:revocations}. The request thread is released at once; the stream is written by the feed's own
 * virtual thread until the subscriber leaves.
 */
final class RevocationRoutes {
    private final RevocationFeed feed;

    RevocationRoutes(RevocationFeed feed) {
        this.feed = feed;
    }

    List<Route> routes() {
        return List.of(Route.get("/v1/revocations/stream", Access.require("subscribe:revocations"), this::stream)
                .doc(RouteDoc.of("Revocations as they happen, for verifiers that check tokens locally (server-sent events)")
                        .details("For service accounts holding `subscribe:revocations`. Events `session_ended`, `token_revoked`, "
                                + "`service_account_disabled` (data `{\"id\": ...}`: a session id (the tokens' `sid`), a `jti`, a "
                                + "service account id), each with an `id` to resume from (`Last-Event-ID` header or `after`). "
                                + "`snapshot` (data `{\"revoked_jtis\", \"ended_sessions\", \"disabled_service_accounts\", \"taken_at\"}`) "
                                + "comes first when there is no position this instance can resume from, and again whenever "
                                + "the verifier must start over. A comment line every 15 s keeps the connection alive.")
                        .query(RouteDoc.Param.pattern("after", "Resume after this event id (as `Last-Event-ID`)",
                                "^[0-9a-f-]{36}:[0-9]{1,18}$"))
                        .reply(200, "An endless `text/event-stream`", "text/event-stream")
                        .errors(400, "invalid_parameter").errors(403, "service_account_required")));
    }

    private void stream(Context ctx) {
        Principal caller = RequestContext.of(ctx).requirePrincipal();
        if (caller.kind() != Principal.Kind.SERVICE_ACCOUNT) {
            throw new ApiException(403, "service_account_required", "Only service accounts subscribe to revocations");
        }
        Optional<RevocationFeed.Position> after = Optional.ofNullable(ctx.header("Last-Event-ID"))
                .or(() -> Optional.ofNullable(ctx.queryParam("after")))
                .map(text -> RevocationFeed.Position.parse(text).orElseThrow(() ->
                        ApiException.badRequest("invalid_parameter", "after (or Last-Event-ID) must be an event id of this stream")));
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-store");
        ctx.header("X-Accel-Buffering", "no");
        try {
            var out = ctx.res().getOutputStream();
            ctx.future(() -> feed.subscribe(after, out));
        } catch (IOException e) {
            throw new UncheckedIOException("subscriber went away", e);
        }
    }
}
