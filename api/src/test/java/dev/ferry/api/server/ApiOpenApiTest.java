package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.catalog.ConnectionKinds;
import dev.ferry.activities.catalog.OptionRules;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.api.server.ApiHarness.Res;
import dev.ferry.workflows.Limits;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The served OpenAPI document describes exactly the routes the server declares — no route
 * undocumented, no documented route missing — is internally consistent, and states the limits the
 * server enforces: the test walks the declared constraints of bodies and query parameters and
 * checks each one both ways (SchemathesisTest fuzzes the rest).
 */
class ApiOpenApiTest {
  static ApiHarness h;
  static JsonNode doc;
  static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    Res r = h.admin.get("/openapi.json");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.raw().headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    doc = r.json();
  }

  static Set<String> documented() {
    Set<String> out = new TreeSet<>();
    doc.get("paths")
        .properties()
        .forEach(
            p ->
                p.getValue()
                    .fieldNames()
                    .forEachRemaining(
                        m -> {
                          if (METHODS.contains(m)) {
                            out.add(m.toUpperCase() + " " + p.getKey());
                          }
                        }));
    return out;
  }

  @Test
  void documentsExactlyTheDeclaredRoutes() {
    Set<String> routes = new TreeSet<>(h.server.api().routes());
    assertThat(routes).hasSizeGreaterThan(30);
    assertThat(documented()).containsExactlyElementsOf(routes);
  }

  @Test
  void everyOperationIsNamedAnsweredAndDeclaresItsPathParameters() {
    Set<String> ids = new HashSet<>();
    List<String> problems = new ArrayList<>();
    Pattern param = Pattern.compile("\\{([^}]+)}");
    doc.get("paths")
        .properties()
        .forEach(
            p -> {
              Set<String> inPath = new TreeSet<>();
              Matcher m = param.matcher(p.getKey());
              while (m.find()) {
                inPath.add(m.group(1));
              }
              p.getValue()
                  .properties()
                  .forEach(
                      o -> {
                        String where = o.getKey() + " " + p.getKey();
                        JsonNode op = o.getValue();
                        if (!ids.add(op.path("operationId").asText())) {
                          problems.add(where + ": missing or duplicate operationId");
                        }
                        if (op.path("summary").asText().isBlank()) {
                          problems.add(where + ": no summary");
                        }
                        JsonNode responses = op.path("responses");
                        boolean ok = false;
                        for (String code : iterable(responses)) {
                          ok |= code.startsWith("2");
                        }
                        if (!ok) {
                          problems.add(where + ": no 2xx response");
                        }
                        if (!responses.has("401")) {
                          problems.add(where + ": no 401 (every request needs a token)");
                        }
                        Set<String> declared = new TreeSet<>();
                        op.path("parameters")
                            .forEach(
                                x -> {
                                  if (x.path("in").asText().equals("path")) {
                                    declared.add(x.path("name").asText());
                                  }
                                });
                        if (!declared.equals(inPath)) {
                          problems.add(where + ": path parameters " + declared + " vs " + inPath);
                        }
                        if (!inPath.isEmpty() && !responses.has("400")) {
                          problems.add(where + ": no 400 for malformed ids");
                        }
                      });
            });
    assertThat(problems).isEmpty();
  }

  @Test
  void everyReferenceResolves() {
    List<String> refs = new ArrayList<>();
    collect(doc, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).matches("#/components/(schemas|responses)/.+");
      assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
    }
  }

  /** The document states the server's own constants, not copies that could drift. */
  @Test
  void theDocumentStatesTheServersConstants() {
    JsonNode schemas = doc.path("components").path("schemas");
    List<String> kinds = new ArrayList<>();
    schemas.at("/ConnectionCreate/properties/kind/enum").forEach(k -> kinds.add(k.asText()));
    assertThat(kinds).containsExactlyElementsOf(ConnectionKinds.defaults().names());
    JsonNode options = schemas.at("/Options/properties");
    assertThat(options.at("/concurrency/maximum").asInt()).isEqualTo(Limits.MAX_CONCURRENCY);
    assertThat(options.at("/maxParallelOwners/maximum").asInt())
        .isEqualTo(JobOptions.MAX_PARALLEL_OWNERS);
    assertThat(options.at("/maxParallelOwners/default").asInt())
        .isEqualTo(dev.ferry.workflows.JobRunInput.DEFAULT_MAX_PARALLEL);
    assertThat(options.at("/chunkSizeMiB/minimum").asInt()).isEqualTo(RunOptions.MIN_CHUNK_MIB);
    assertThat(options.at("/chunkSizeMiB/maximum").asInt()).isEqualTo(RunOptions.MAX_CHUNK_MIB);
    assertThat(options.at("/bwlimitMbps/maximum").asDouble())
        .isEqualTo(OptionRules.MAX_BWLIMIT_MBPS);
    assertThat(options.at("/retries/maximum").asInt())
        .isEqualTo(dev.ferry.workflows.MigrationInput.MAX_RETRIES);
    assertThat(options.at("/shards/properties/items/maximum").asLong())
        .isEqualTo(OptionRules.MAX_SHARD_ITEMS);
    assertThat(options.at("/shards/properties/bytes/maximum").asLong())
        .isEqualTo(OptionRules.MAX_SHARD_BYTES);
    assertThat(options.at("/shards/properties/splitAt/maxItems").asInt())
        .isEqualTo(dev.ferry.activities.catalog.ShardOptions.MAX_SPLIT_POINTS);
    assertThat(options.at("/shards/properties/splitAt/items/maxLength").asInt())
        .isEqualTo(OptionRules.MAX_SPLIT_POINT_LENGTH);
    for (String f : List.of("include", "exclude")) {
      assertThat(schemas.at("/Filters/properties/" + f + "/maxItems").asInt())
          .isEqualTo(OptionRules.MAX_GLOBS);
      assertThat(schemas.at("/Filters/properties/" + f + "/items/maxLength").asInt())
          .isEqualTo(OptionRules.MAX_GLOB_LENGTH);
    }
    assertThat(schemas.at("/Owners/properties/owners/maxItems").asInt())
        .isEqualTo(OwnersInput.MAX_OWNERS);
    assertThat(schemas.at("/Location/properties/path/maxLength").asInt())
        .isEqualTo(OwnersInput.MAX_PATH);
    assertThat(doc.at("/components/responses/TooLarge/description").asText())
        .contains((ApiServer.MAX_BODY_BYTES >> 20) + " MiB");
  }

  /**
   * Walks the body schemas of the create operations and checks each declared constraint both ways:
   * one past a maxLength, a value outside an enum, a control character where the pattern forbids
   * them and a wrong type are 400s naming the field; a value at the limit and every enum value are
   * not refused for that field.
   */
  @Test
  void everyDeclaredConstraintOfACreateBodyIsEnforcedAndNothingTighter() {
    String client = h.admin.client("walk " + UUID.randomUUID());
    Map<String, Map<String, Object>> bases = new LinkedHashMap<>();
    bases.put("/clients", Map.of());
    bases.put("/clients/" + client + "/projects", Map.of("type", "FILE_MIGRATION"));
    bases.put(
        "/clients/" + client + "/connections",
        Map.of("kind", "local", "settings", Map.of("root", "/tmp/ferry-walk")));
    bases.put("/tokens", Map.of());
    bases.put("/agents/registration-codes", Map.of());
    Map<String, String> templates =
        Map.of(
            "/clients",
            "/api/v1/clients",
            "/clients/" + client + "/projects",
            "/api/v1/clients/{clientId}/projects",
            "/clients/" + client + "/connections",
            "/api/v1/clients/{clientId}/connections",
            "/tokens",
            "/api/v1/tokens",
            "/agents/registration-codes",
            "/api/v1/agents/registration-codes");
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (var e : bases.entrySet()) {
      JsonNode schema =
          resolve(
              doc.path("paths")
                  .path(templates.get(e.getKey()))
                  .path("post")
                  .at("/requestBody/content/application~1json/schema"));
      for (var prop : schema.path("properties").properties()) {
        String f = prop.getKey();
        JsonNode p = prop.getValue();
        if (!types(p).contains("string")
            || f.equals("kind") && e.getKey().endsWith("connections")) {
          continue;
        }
        String where = "POST " + e.getKey() + " " + f;
        if (p.has("maxLength") && !f.equals("contactEmail")) {
          int max = p.get("maxLength").asInt();
          checked += expect(problems, where + " over maxLength", e, f, unique(max + 1), true);
          checked += expect(problems, where + " at maxLength", e, f, unique(max), false);
        }
        if (p.has("enum")) {
          checked += expect(problems, where + " outside the enum", e, f, "NOT_IN_ENUM", true);
          for (JsonNode v : p.get("enum")) {
            if (!v.isNull()) {
              checked += expect(problems, where + " = " + v.asText(), e, f, v.asText(), false);
            }
          }
        }
        if (p.path("pattern").asText().contains("\\x00-\\x1f")) {
          checked += expect(problems, where + " with a control character", e, f, "a\u0001b", true);
        }
        checked += expect(problems, where + " as a number", e, f, 42, true);
      }
    }
    assertThat(problems).isEmpty();
    assertThat(checked).isGreaterThan(40);
  }

  /** Query parameters of the list operations: the declared ranges and enums, both ways. */
  @Test
  void everyDeclaredRangeAndEnumOfAQueryParameterIsEnforced() {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (String path : List.of("/api/v1/jobs", "/api/v1/agents", "/api/v1/tokens")) {
      for (JsonNode prm : doc.path("paths").path(path).path("get").path("parameters")) {
        String name = prm.path("name").asText();
        JsonNode schema = resolve(prm.path("schema"));
        String url = path.substring("/api/v1".length()) + "?" + name + "=";
        List<String> bad = new ArrayList<>(List.of(""));
        List<String> good = new ArrayList<>();
        if (schema.has("minimum")) {
          long min = schema.get("minimum").asLong();
          bad.add(String.valueOf(min - 1));
          good.add(String.valueOf(min));
        }
        if (schema.has("maximum")) {
          long max = schema.get("maximum").asLong();
          bad.add(String.valueOf(max + 1));
          good.add(String.valueOf(max));
        }
        schema.path("enum").forEach(v -> good.add(v.asText()));
        if (schema.has("enum") || "uuid".equals(schema.path("format").asText())) {
          bad.add("NOT_AN_ID_OR_VALUE");
        }
        for (String v : bad) {
          Res r = h.admin.get(url + v);
          checked++;
          if (r.status() != 400 || r.field(name) == null) {
            problems.add("GET " + url + v + " should be a 400 naming " + name + ": " + r);
          }
        }
        for (String v : good) {
          Res r = h.admin.get(url + v);
          checked++;
          if (r.status() != 200) {
            problems.add("GET " + url + v + " should be a 200: " + r);
          }
        }
      }
    }
    assertThat(problems).isEmpty();
    assertThat(checked).isGreaterThan(15);
  }

  private static int expect(
      List<String> problems,
      String what,
      Map.Entry<String, Map<String, Object>> op,
      String field,
      Object value,
      boolean refused) {
    Map<String, Object> body = new LinkedHashMap<>(op.getValue());
    if (!op.getKey().startsWith("/agents")) {
      body.put("name", unique(20));
    }
    body.put(field, value);
    Res r = h.admin.post(op.getKey(), body);
    boolean named = r.status() == 400 && r.field(field) != null;
    if (refused != named) {
      problems.add(what + (refused ? " was not refused: " : " was refused: ") + r);
    }
    return 1;
  }

  /** A string of exactly {@code n} characters that no other call of this test sends. */
  private static String unique(int n) {
    String u = UUID.randomUUID().toString().replace("-", "");
    return n <= u.length() ? u.substring(0, n) : u + "x".repeat(n - u.length());
  }

  private static Set<String> types(JsonNode schema) {
    Set<String> out = new TreeSet<>();
    JsonNode t = schema.path("type");
    if (t.isArray()) {
      t.forEach(x -> out.add(x.asText()));
    } else if (t.isTextual()) {
      out.add(t.asText());
    }
    return out;
  }

  private static JsonNode resolve(JsonNode n) {
    return n.has("$ref") ? doc.at(n.get("$ref").asText().substring(1)) : n;
  }

  private static void collect(JsonNode n, List<String> refs) {
    if (n.isObject()) {
      n.properties()
          .forEach(
              e -> {
                if (e.getKey().equals("$ref")) {
                  refs.add(e.getValue().asText());
                } else {
                  collect(e.getValue(), refs);
                }
              });
    } else if (n.isArray()) {
      n.forEach(x -> collect(x, refs));
    }
  }

  private static List<String> iterable(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
