package com.liftos.security.testing;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The served OpenAPI document as a checker of responses: for a response of an operation it lists every way the
 * response departs from the document — a status the operation does not document, a media type it does not, a body
 * where none is documented, a JSON body that does not validate against its schema (JSON Schema 2020-12, as OpenAPI
 * 3.1 uses; {@code $ref}s resolved inside the document), a missing X-Request-ID. A request no operation matches (an
 * unknown path, a method the path does not have) is not the document's business and yields nothing; nor does one of
 * a route that has no description yet (one test names those).
 */
public final class ApiContract {
    private static final String BASE = "https://liftos.test/openapi.json";
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final JsonNode document;
    private final SchemaRegistry registry;
    private final List<Operation> operations = new ArrayList<>();
    /**
     * By JSON pointer: each a {@code $ref} into the document, which the registry then parses once. A schema loaded
     * at the pointer itself carried a parse of the whole document of its own (1.3 GB for 500 of them).
     */
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    /** One operation: its method, path template and the template as a pattern of a raw request path. */
    public record Operation(String method, String template, Pattern pattern, int literalSegments, JsonNode node) {}

    private ApiContract(String documentJson) {
        this.document = JSON.readTree(documentJson);
        this.registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                b -> b.schemas(Map.of(BASE, documentJson)));
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.get("paths").properties().iterator(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            String template = path.getKey();
            StringBuilder regex = new StringBuilder();
            int literal = 0;
            for (String segment : template.substring(1).split("/", -1)) {
                regex.append('/');
                if (segment.startsWith("{") && segment.endsWith("}")) {
                    regex.append("[^/]+");
                } else {
                    regex.append(Pattern.quote(segment));
                    literal++;
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().properties().iterator(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                operations.add(new Operation(op.getKey().toUpperCase(Locale.ROOT), template, Pattern.compile(regex.toString()),
                        literal, op.getValue()));
            }
        }
    }

    public static ApiContract of(String documentJson) {
        return new ApiContract(documentJson);
    }

    public List<Operation> operations() {
        return List.copyOf(operations);
    }

    /** The operation a request of {@code method} to {@code rawPath} reaches: the match with the most literal segments. */
    public Optional<Operation> operation(String method, String rawPath) {
        return operations.stream()
                .filter(o -> o.method().equals(method) && o.pattern().matcher(rawPath).matches())
                .max(java.util.Comparator.comparingInt(Operation::literalSegments));
    }

    /**
     * Every way the response departs from the document; empty when it follows it (or no operation matches).
     *
     * @param contentType the response's Content-Type, if it has one
     */
    public List<String> check(String method, String rawPath, int status, Optional<String> contentType, Optional<String> requestId,
                              String body) {
        Optional<Operation> found = operation(method, rawPath);
        if (found.isEmpty()) {
            return List.of();
        }
        Operation op = found.get();
        if (op.node().has("x-liftos-undescribed")) {
            return List.of(); // OpenApiContractTest.everyRouteIsDescribed names it
        }
        String name = method + " " + op.template() + " -> " + status;
        List<String> problems = new ArrayList<>();
        if (requestId.isEmpty()) {
            problems.add(name + ": no X-Request-ID header");
        }
        JsonNode response = op.node().path("responses").path(Integer.toString(status));
        if (response.isMissingNode()) {
            problems.add(name + ": status " + status + " is not documented (documented: "
                    + String.join(", ", op.node().path("responses").propertyNames()) + ")");
            return problems;
        }
        JsonNode content = response.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            if (!body.isEmpty()) {
                problems.add(name + ": a body where the document has none: " + abbreviate(body));
            }
            return problems;
        }
        String type = contentType.map(t -> t.split(";")[0].strip().toLowerCase(Locale.ROOT)).orElse("");
        if (!content.has(type)) {
            problems.add(name + ": media type '" + type + "' is not documented (documented: "
                    + String.join(", ", content.propertyNames()) + ")");
            return problems;
        }
        if (!type.equals("application/json") && !type.endsWith("+json")) {
            return problems;
        }
        String pointer = "/paths/" + escape(op.template()) + "/" + method.toLowerCase(Locale.ROOT) + "/responses/" + status
                + "/content/" + escape(type) + "/schema";
        Schema schema = schemas.computeIfAbsent(pointer, p -> registry.getSchema(JSON.createObjectNode().put("$ref", BASE + "#" + p)));
        List<Error> errors;
        try {
            errors = schema.validate(body, InputFormat.JSON);
        } catch (RuntimeException e) {
            problems.add(name + ": the body is not JSON: " + abbreviate(body));
            return problems;
        }
        for (Error e : errors) {
            problems.add(name + ": " + e.getInstanceLocation() + " " + e.getMessage() + " in " + abbreviate(body));
        }
        return problems;
    }

    private static String escape(String pointerPart) {
        return pointerPart.replace("~", "~0").replace("/", "~1");
    }

    private static String abbreviate(String s) {
        return s.length() > 600 ? s.substring(0, 600) + "...(" + s.length() + ")" : s;
    }
}
