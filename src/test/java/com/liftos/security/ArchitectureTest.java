package com.liftos.security;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering, enforced: no package cycles, Javalin and {@link com.liftos.security.http.ApiException} only in the
 * HTTP layer and the classes that translate for it, a verified {@code Principal} built only by {@code auth}, and every
 * table touched by the one package that owns it.
 */
class ArchitectureTest {
    private static final String ROOT = "com.liftos.security";
    private static final Path SOURCES = Path.of("src/main/java/com/liftos/security");
    private static final Path MIGRATIONS = Path.of("src/main/resources/db/migration");

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(ROOT);
    }

    @Test
    void packagesAreAcyclic() {
        slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void javalinStaysInTheHttpLayerAndRoutes() {
        noClasses().that().resideOutsideOfPackage(ROOT + ".http..")
                .and().haveSimpleNameNotEndingWith("Routes")
                .should().dependOnClassesThat().resideInAPackage("io.javalin..")
                .because("only the HTTP layer and *Routes translate between HTTP and a feature")
                .check(classes);
    }

    @Test
    void httpErrorsAreRaisedOnlyAtTheBoundary() {
        noClasses().that().resideOutsideOfPackage(ROOT + ".http..")
                .and().haveSimpleNameNotEndingWith("Routes")
                .and().haveSimpleNameNotEndingWith("Guard")
                .and().haveSimpleNameNotEndingWith("Guards")
                .should().dependOnClassesThat().haveFullyQualifiedName(ROOT + ".http.ApiException")
                .because("features return outcomes; routes and gate guards turn them into HTTP errors")
                .check(classes);
    }

    @Test
    void onlyAuthBuildsAVerifiedPrincipal() {
        noClasses().that().resideOutsideOfPackages(ROOT + ".auth..", ROOT + ".identity..")
                .should().callConstructor(com.liftos.security.identity.Principal.class,
                        java.util.UUID.class, java.util.UUID.class, com.liftos.security.identity.Principal.Kind.class,
                        java.util.Optional.class, java.util.Set.class, com.liftos.security.identity.PermissionSet.class,
                        java.util.Optional.class, String.class, java.time.Instant.class, java.time.Instant.class,
                        List.class)
                .because("a Principal is what a verified token says; only auth verifies tokens")
                .check(classes);
    }

    /**
     * Every SQL reference to a table ({@code FROM}, {@code JOIN}, {@code INTO}, {@code UPDATE}, ...) in main code
     * stands in the package that owns the table; another feature asks the owner.
     */
    @Test
    void everyTableIsTouchedOnlyByItsOwner() throws IOException {
        Map<String, String> owners = TableOwnership.owners(MIGRATIONS);
        assertThat(owners).containsKeys("users", "refresh_tokens", "vault_credentials", "audit_events", "incidents");
        Pattern reference = Pattern.compile("\\b(?:FROM|JOIN|INTO|UPDATE|TABLE|EXISTS|ONLY)\\s+([a-z_][a-z0-9_]*)\\b");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String feature = feature(SOURCES.relativize(file));
                if (feature.equals("store")) {
                    continue; // migrations and the pool: no feature's data
                }
                Matcher m = reference.matcher(Files.readString(file));
                while (m.find()) {
                    String owner = owners.get(m.group(1));
                    if (owner != null && !owner.equals(feature)) {
                        violations.add(SOURCES.relativize(file) + " touches " + m.group(1) + " (owned by " + owner + ")");
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    private static String feature(Path relative) {
        return relative.getNameCount() == 1 ? "(root)" : relative.getName(0).toString();
    }

    /** Which package owns which table: the migration's version range names it (V1 holds the foundation's few). */
    static final class TableOwnership {
        private static final Map<String, String> FOUNDATION = Map.of(
                "organizations", "org", "org_security_config", "org", "users", "auth", "audit_events", "audit");
        private static final Pattern CREATE = Pattern.compile("CREATE TABLE (?:IF NOT EXISTS )?([a-z_][a-z0-9_]*)");
        private static final Pattern VERSION = Pattern.compile("V(\\d+)(?:_\\d+)*__.*\\.sql");

        static Map<String, String> owners(Path migrations) {
            Map<String, String> owners = new TreeMap<>();
            try (Stream<Path> files = Files.list(migrations)) {
                for (Path f : files.toList()) {
                    Matcher v = VERSION.matcher(f.getFileName().toString());
                    if (!v.matches()) {
                        continue;
                    }
                    int version = Integer.parseInt(v.group(1));
                    Matcher m = CREATE.matcher(Files.readString(f));
                    while (m.find()) {
                        String table = m.group(1);
                        owners.put(table, version < 10 ? FOUNDATION.getOrDefault(table, "store") : range(version));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return owners;
        }

        private static String range(int version) {
            return switch (version / 10) {
                case 1 -> "auth";
                case 2 -> "vault";
                case 3 -> "audit";
                case 4 -> "rbac";
                case 5 -> "mfa";
                case 6 -> "incident";
                case 7 -> "privacy";
                case 8 -> "keys";
                case 9 -> "connection";
                default -> throw new IllegalStateException("no owner for migration range of V" + version);
            };
        }
    }
}
