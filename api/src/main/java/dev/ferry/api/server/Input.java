package dev.ferry.api.server;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Reads one JSON object of a request field by field and collects every problem, so a client gets
 * all its mistakes in one 400 rather than the first. Each getter records what it read; {@link
 * #check()} then reports unknown fields (a misspelt option must not be silently ignored) and throws
 * {@link InvalidInput} when anything was wrong.
 *
 * <p>Absent and {@code null} are the same: a getter returns null (or the default) and a required
 * field reports "is required". Not thread-safe; one per request.
 */
final class Input {
  /** As the document's pattern: no space or control character, one @, a dot in the domain. */
  private static final Pattern EMAIL =
      Pattern.compile("^[^@\\x00-\\x20]+@[^@\\x00-\\x20]+\\.[^@\\x00-\\x20]+$");

  private final ObjectNode node;
  private final String prefix;
  private final Map<String, String> errors;
  private final Set<String> read = new HashSet<>();
  private final List<Input> children = new ArrayList<>();

  private Input(ObjectNode node, String prefix, Map<String, String> errors) {
    this.node = node;
    this.prefix = prefix;
    this.errors = errors;
  }

  /** Parses a request body that must be one JSON object. */
  static Input parse(String body) {
    if (body == null || body.isBlank()) {
      throw InvalidInput.of("body", "a JSON object is required");
    }
    JsonNode n;
    try {
      n = Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw InvalidInput.of("body", "malformed JSON: " + describe(e));
    }
    if (n == null || !n.isObject()) {
      throw InvalidInput.of("body", "must be a JSON object");
    }
    return new Input((ObjectNode) n, "", new TreeMap<>());
  }

  /** Jackson's message in a client's words, with where in the body it went wrong. */
  private static String describe(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m != null && m.startsWith("Trailing token")) {
      m = "data after the JSON object (send exactly one JSON object)";
    } else if (m != null && m.startsWith("Duplicate field")) {
      m = m.replace("Duplicate field", "the key") + " is given twice (send each key once)";
    }
    JsonLocation at = e.getLocation();
    return at == null || at.getLineNr() < 1
        ? m
        : m + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
  }

  static Input empty() {
    return new Input(Json.MAPPER.createObjectNode(), "", new TreeMap<>());
  }

  private String path(String field) {
    return prefix + field;
  }

  /** Records a problem with a field (also for checks made by the caller). */
  void error(String field, String message) {
    errors.putIfAbsent(path(field), message);
  }

  /** Whether a problem was recorded for this object or anything in it. */
  boolean hasErrors() {
    return errors.keySet().stream().anyMatch(k -> k.startsWith(prefix));
  }

  /** Whether the field is present (null counts as present, for PATCH: "set to nothing"). */
  boolean has(String field) {
    read.add(field);
    return node.has(field);
  }

  private JsonNode get(String field) {
    read.add(field);
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v;
  }

  String string(String field, boolean required, int maxLength) {
    JsonNode v = get(field);
    if (v == null) {
      if (required) {
        error(field, "is required");
      }
      return null;
    }
    if (!v.isTextual()) {
      error(field, "must be a string");
      return null;
    }
    String raw = v.asText();
    if (raw.chars().anyMatch(c -> c < 0x20)) {
      error(field, "must not contain control characters (U+0000 to U+001F)");
      return null;
    }
    if (length(raw) > maxLength) {
      error(field, "must be at most " + maxLength + " characters (got " + length(raw) + ")");
      return null;
    }
    // Spaces around the value are dropped (no control characters are left to trim).
    String s = raw.trim();
    if (s.isEmpty()) {
      if (required) {
        error(field, "must not be empty");
      }
      return null;
    }
    return s;
  }

  /**
   * Length in characters (code points), as JSON Schema's maxLength counts them: an emoji is one,
   * not two UTF-16 units.
   */
  static int length(String s) {
    return s.codePointCount(0, s.length());
  }

  /** A path: a string that may be empty (the root), without control characters. */
  String path(String field, int maxLength) {
    JsonNode v = get(field);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      error(field, "must be a string");
      return null;
    }
    String s = v.asText();
    if (length(s) > maxLength) {
      error(field, "must be at most " + maxLength + " characters (got " + length(s) + ")");
      return null;
    }
    return s;
  }

  String email(String field) {
    String s = string(field, false, 254);
    if (s != null && !EMAIL.matcher(s).matches()) {
      error(field, "must be an email address such as ops@example.com (got '" + s + "')");
      return null;
    }
    return s;
  }

  /** One of {@code allowed}, matched without regard to case; returned as spelt in allowed. */
  String oneOf(String field, boolean required, List<String> allowed) {
    String s = string(field, required, 100);
    if (s == null) {
      return null;
    }
    for (String a : allowed) {
      if (a.equalsIgnoreCase(s)) {
        return a;
      }
    }
    error(field, "must be one of " + String.join(", ", allowed) + " (got '" + s + "')");
    return null;
  }

  /** An id; absent or null is "none", but an empty string is a mistake, not "none". */
  UUID uuid(String field, boolean required) {
    JsonNode v = get(field);
    if (v != null && v.isTextual() && v.asText().isBlank()) {
      error(field, "must be an id (UUID) (got '" + v.asText() + "'); send null or leave it out");
      return null;
    }
    String s = string(field, required, 100);
    if (s == null) {
      return null;
    }
    try {
      return UUID.fromString(s);
    } catch (IllegalArgumentException e) {
      error(field, "must be an id (UUID) (got '" + s + "')");
      return null;
    }
  }

  /**
   * A whole number whose range someone else checks ({@code OptionRules}); "must be a whole number"
   * for anything else.
   */
  Long whole(String field) {
    JsonNode v = get(field);
    if (v == null) {
      return null;
    }
    if (!v.isNumber() || !v.canConvertToExactIntegral() || !v.canConvertToLong()) {
      error(field, "must be a whole number");
      return null;
    }
    return v.longValue();
  }

  /** A number whose range someone else checks ({@code OptionRules}). */
  Double number(String field) {
    JsonNode v = get(field);
    if (v == null) {
      return null;
    }
    if (!v.isNumber()) {
      error(field, "must be a number");
      return null;
    }
    return v.doubleValue();
  }

  /**
   * A string that should be one of {@code allowed}: returned as spelt there when it matches without
   * regard to case, else as given, for the caller's rules to refuse with their own message.
   */
  String word(String field, List<String> allowed) {
    String s = string(field, false, 100);
    if (s == null) {
      return null;
    }
    return allowed.stream().filter(a -> a.equalsIgnoreCase(s)).findFirst().orElse(s);
  }

  Integer integer(String field, int min, int max) {
    JsonNode v = get(field);
    if (v == null) {
      return null;
    }
    // 30.0 is a whole number, as JSON Schema's "integer" says (a fuzzer sends it so)
    if (!v.isNumber() || !v.canConvertToExactIntegral() || !v.canConvertToInt()) {
      error(field, "must be a whole number between " + min + " and " + max);
      return null;
    }
    int i = v.intValue();
    if (i < min || i > max) {
      error(field, "must be between " + min + " and " + max + " (got " + i + ")");
      return null;
    }
    return i;
  }

  Double number(String field, double min, double max) {
    JsonNode v = get(field);
    if (v == null) {
      return null;
    }
    if (!v.isNumber()) {
      error(field, "must be a number");
      return null;
    }
    double d = v.doubleValue();
    if (!(d >= min && d <= max)) {
      error(
          field,
          String.format(
              Locale.ROOT, "must be between %s and %s (got %s)", fmt(min), fmt(max), fmt(d)));
      return null;
    }
    return d;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
  }

  Boolean bool(String field) {
    JsonNode v = get(field);
    if (v == null) {
      return null;
    }
    if (!v.isBoolean()) {
      error(field, "must be true or false");
      return null;
    }
    return v.booleanValue();
  }

  /** A list of strings, each non-empty and at most {@code maxLength} long. */
  List<String> strings(String field, int maxItems, int maxLength) {
    JsonNode v = get(field);
    if (v == null) {
      return null;
    }
    if (!v.isArray()) {
      error(field, "must be a list of strings");
      return null;
    }
    if (v.size() > maxItems) {
      error(field, "must have at most " + maxItems + " items (got " + v.size() + ")");
      return null;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      String p = field + "[" + i + "]";
      if (!e.isTextual() || e.asText().trim().isEmpty()) {
        error(p, "must be a non-empty string");
      } else if (length(e.asText()) > maxLength) {
        error(p, "must be at most " + maxLength + " characters");
      } else {
        out.add(e.asText());
      }
    }
    return out;
  }

  /** An object whose values are all strings (connection settings and secrets). */
  Map<String, String> stringMap(String field) {
    JsonNode v = get(field);
    if (v == null) {
      return null;
    }
    if (!v.isObject()) {
      error(field, "must be an object of strings");
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      if (!e.getValue().isTextual()) {
        error(field + "." + e.getKey(), "must be a string");
      } else if (length(e.getValue().asText()) > 4096) {
        error(field + "." + e.getKey(), "must be at most 4096 characters");
      } else {
        out.put(e.getKey(), e.getValue().asText());
      }
    }
    return out;
  }

  /** A nested object, read with the same rules; null when absent. */
  Input object(String field) {
    JsonNode v = get(field);
    if (v == null) {
      return null;
    }
    if (!v.isObject()) {
      error(field, "must be an object");
      return null;
    }
    Input child = new Input((ObjectNode) v, path(field) + ".", errors);
    children.add(child);
    return child;
  }

  /** A list of objects, each handed to {@code each}; null when absent. */
  List<Input> objects(String field, int maxItems) {
    JsonNode v = get(field);
    if (v == null) {
      return null;
    }
    if (!v.isArray()) {
      error(field, "must be a list of objects");
      return null;
    }
    if (v.size() > maxItems) {
      error(field, "must have at most " + maxItems + " items (got " + v.size() + ")");
      return null;
    }
    List<Input> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      if (!v.get(i).isObject()) {
        error(field + "[" + i + "]", "must be an object");
        continue;
      }
      Input child = new Input((ObjectNode) v.get(i), path(field) + "[" + i + "].", errors);
      children.add(child);
      out.add(child);
    }
    return out;
  }

  /** Reads the value of a field with {@code reader} when present. */
  void ifPresent(String field, Consumer<Input> reader) {
    if (has(field)) {
      reader.accept(this);
    }
  }

  /** Reports unknown fields here and below, then throws when any problem was recorded. */
  void check() {
    collectUnknown();
    if (!errors.isEmpty()) {
      throw new InvalidInput(errors);
    }
  }

  private void collectUnknown() {
    for (String name : iterable(node)) {
      if (!read.contains(name)) {
        errors.putIfAbsent(path(name), "unknown field");
      }
    }
    children.forEach(Input::collectUnknown);
  }

  private static List<String> iterable(ObjectNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
