package io.edgeauth.broker.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads {@link BrokerConfig}: embedded defaults, then an optional YAML file, then {@code EDGEAUTH_*}
 * environment variables, then validation. Any problem is a {@link ConfigException} naming the key.
 */
public final class ConfigLoader {
    public static final String ENV_PREFIX = "EDGEAUTH_";
    private static final int MAX_FILE_BYTES = 1 << 20;

    private final ObjectMapper yaml;
    private final java.util.List<String> ignored = new java.util.ArrayList<>();

    public ConfigLoader() {
        SimpleModule durations = new SimpleModule().addDeserializer(Duration.class, new DurationDeserializer())
                .addDeserializer(Double.class, new FiniteDoubleDeserializer(Double.class))
                .addDeserializer(Double.TYPE, new FiniteDoubleDeserializer(Double.TYPE));
        // a key twice in one mapping would silently replace the first (a whole section): refused
        YAMLFactory factory = YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        yaml = new ObjectMapper(factory)
                .registerModule(durations)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT); // 2.9 threads is a mistake, not 2
        // 0 or 1 for a boolean is refused; text ("true", "8080") still binds, as environment values are text
        yaml.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    }

    /** Loads with the process environment. */
    public BrokerConfig load(Path file) {
        return load(file, System.getenv());
    }

    /** Loads from the defaults, the file (may be null) and the given environment. */
    public BrokerConfig load(Path file, Map<String, String> env) {
        ObjectNode tree = defaults();
        if (file != null) {
            merge(tree, readFile(file), "");
        }
        applyEnvironment(tree, env);
        refuseEmptyEntries(tree, "");
        BrokerConfig config = bind(tree);
        // a variable the config itself names (a tenant's HSM PIN) is used, not ignored
        (config.tenants() == null ? java.util.List.<BrokerConfig.Tenant>of() : config.tenants()).stream().filter(t -> t != null && t.hsm() != null && t.hsm().pinEnv() != null)
                .forEach(t -> ignored.remove(t.hsm().pinEnv()));
        return ConfigValidator.validate(config, bind(defaults()));
    }

    /**
     * {@code EDGEAUTH_*} variables of the last load whose first segment names no config section; they
     * are left to other tools (the CLI's {@code EDGEAUTH_ADMIN}) but worth a warning, as they may be typos.
     */
    public java.util.List<String> ignoredVariables() {
        return java.util.List.copyOf(ignored);
    }

    /** The defaults as a YAML document (what {@code config defaults} prints). */
    public static String defaultsText() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/edgeauth-defaults.yaml")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("embedded defaults missing from the jar", e);
        }
    }

    private ObjectNode defaults() {
        try {
            return (ObjectNode) yaml.readTree(defaultsText());
        } catch (IOException e) {
            throw new IllegalStateException("embedded defaults are not valid YAML", e);
        }
    }

    private JsonNode readFile(Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new ConfigException("config file " + file + " is larger than 1 MiB");
            }
            JsonNode node = yaml.readTree(file.toFile());
            if (node == null || node.isMissingNode() || node.isNull()) {
                return yaml.createObjectNode(); // an empty file is a valid (default) config
            }
            if (!node.isObject()) {
                throw new ConfigException("config file " + file + " must be a YAML mapping of keys to values");
            }
            return node;
        } catch (StreamReadException e) {
            String duplicate = duplicateKey(e);
            if (duplicate != null) {
                throw new ConfigException("config file " + file + ": duplicate key '" + duplicate + "'"
                        + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")")
                        + ": each key may appear once in its mapping (the later one would replace the earlier)", e);
            }
            throw new ConfigException("cannot read config file " + file + ": " + syntaxError(e));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException("cannot read config file " + file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ConfigException("cannot read config file " + file + ": permission denied");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e, e);
        }
    }

    /**
     * A YAML syntax error as its problem, line and column. SnakeYAML's own message quotes the source line (and the
     * cause is not kept for the same reason): on a password's line that is the password.
     */
    private static String syntaxError(StreamReadException e) {
        String problem = e.getCause() instanceof NumberFormatException ? "a malformed number" : "not valid YAML";
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblem() != null) {
                problem = (m.getContext() == null ? "" : m.getContext() + ": ") + m.getProblem();
                break;
            }
        }
        com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
        return problem + (at == null ? "" : " (line: " + at.getLineNr() + ", column: " + at.getColumnNr() + ")");
    }

    /** The dotted path of the key that STRICT_DUPLICATE_DETECTION found twice, or null for another error. */
    private static String duplicateKey(StreamReadException e) {
        String m = e.getOriginalMessage();
        if (m == null || !m.startsWith("Duplicate field '") || m.indexOf('\'', 17) < 0) {
            return null;
        }
        StringBuilder path = new StringBuilder(m.substring(17, m.indexOf('\'', 17)));
        JsonParser p = e.getProcessor();
        // the context is the mapping holding the duplicate; its parents name the sections above it
        for (JsonStreamContext ctx = p == null ? null : p.getParsingContext().getParent(); ctx != null; ctx = ctx.getParent()) {
            if (ctx.getCurrentName() != null) {
                path.insert(0, ctx.getCurrentName() + ".");
            } else if (ctx.inArray()) {
                path.insert(0, "[" + ctx.getCurrentIndex() + "].");
            }
        }
        return path.toString().replace(".[", "[");
    }

    /** Deep merge: mappings merge key by key; anything else (scalars, lists) replaces. */
    private static void merge(ObjectNode target, JsonNode overrides, String path) {
        Iterator<Map.Entry<String, JsonNode>> fields = overrides.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            JsonNode existing = target.get(e.getKey());
            if (existing == null) {
                throw new ConfigException("unknown config key '" + key + "'");
            }
            if (existing.isObject() && !e.getValue().isObject()) {
                // a section (or ratePlans) replaced by null or a scalar would reach the validator as null
                throw new ConfigException("config key '" + key + "' must be a mapping of keys to values");
            }
            if (existing.isObject() && isNamedEntries(key)) {
                ((ObjectNode) existing).setAll((ObjectNode) e.getValue()); // new names added, a named entry replaced
            } else if (existing.isObject() && !isMapOfEntries(key)) {
                merge((ObjectNode) existing, e.getValue(), key);
            } else if (existing.isObject()) {
                target.set(e.getKey(), overDefaultEntries((ObjectNode) existing, (ObjectNode) e.getValue()));
            } else {
                target.set(e.getKey(), e.getValue());
            }
        }
    }

    /**
     * A map of entries as the file gives it (it replaces the defaults' map), where an entry the defaults also name and
     * the file gives in part ({@code ratePlans.default} with only {@code burst}) takes its other keys from the
     * default entry: a config holds any subset of {@code config defaults}. Entries the defaults lack are left as given
     * (binding refuses one that misses a key: there is nothing to take it from).
     */
    private static ObjectNode overDefaultEntries(ObjectNode defaults, ObjectNode given) {
        ObjectNode result = given.deepCopy();
        Iterator<Map.Entry<String, JsonNode>> fields = given.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            JsonNode base = defaults.get(e.getKey());
            if (base != null && base.isObject() && e.getValue().isObject()) {
                ObjectNode entry = ((ObjectNode) base).deepCopy();
                entry.setAll((ObjectNode) e.getValue());
                result.set(e.getKey(), entry);
            }
        }
        return result;
    }

    /**
     * An empty list item ({@code tenants:\n  -}) or named entry ({@code ratePlans: {default: null}}) is refused by its
     * path: bound, it would fail in a record's constructor with a NullPointerException naming no key.
     */
    private static void refuseEmptyEntries(JsonNode node, String path) {
        for (int i = 0; node.isArray() && i < node.size(); i++) {
            String item = path + "[" + i + "]";
            if (node.get(i).isNull()) {
                throw new ConfigException("config key '" + item + "': an empty list item; remove it or give it a value");
            }
            refuseEmptyEntries(node.get(i), item);
        }
        Iterator<Map.Entry<String, JsonNode>> fields = node.isObject() ? node.fields() : java.util.Collections.emptyIterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            if (e.getValue().isNull() && (isNamedEntries(path) || isMapOfEntries(path))) {
                throw new ConfigException("config key '" + key + "': an empty entry; remove it or give it a value");
            }
            refuseEmptyEntries(e.getValue(), key);
        }
    }

    /**
     * Keys whose children are user-named entries added to those of the defaults (an entry of the same name is replaced
     * as a whole): {@code provisioning.templates}, whose {@code default} the admin API falls back on.
     */
    private static boolean isNamedEntries(String key) {
        return key.equals("provisioning.templates");
    }

    /**
     * Keys whose children are user-named entries (replaced as a whole, not merged key by key): the defaults hold
     * none of their names, so a key-by-key merge would refuse every one as unknown.
     */
    private static boolean isMapOfEntries(String key) {
        return key.equals("ratePlans") || key.equals("wallet.rpcEndpoints");
    }

    /**
     * EDGEAUTH_TOKENS_MAX_LIFETIME → tokens.maxLifetime: segments are matched greedily against the keys
     * the defaults define, so camelCase keys need no special separator. A value is text, except for a key that is a
     * list or mapping, whose value is YAML/JSON (e.g. EDGEAUTH_TENANTS='[{"id":"a"}]').
     */
    private void applyEnvironment(ObjectNode tree, Map<String, String> env) {
        ignored.clear();
        ObjectNode shapes = defaults(); // which keys are lists or mappings, even where the file set one to null
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (!e.getKey().startsWith(ENV_PREFIX)) {
                continue;
            }
            String rest = e.getKey().substring(ENV_PREFIX.length());
            ObjectNode node = tree;
            String path = "";
            while (true) {
                String match = null;
                for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                    String name = it.next();
                    String snake = snake(name);
                    if (rest.equals(snake) || rest.startsWith(snake + "_")) {
                        if (match == null || snake.length() > snake(match).length()) {
                            match = name;
                        }
                    }
                }
                if (match == null && node == tree) {
                    // not a config variable (e.g. EDGEAUTH_ADMIN for the CLI): noted, not fatal
                    ignored.add(e.getKey());
                    break;
                }
                if (match == null) {
                    throw new ConfigException("environment variable " + e.getKey()
                            + " names no config key (see the defaults with: config defaults)");
                }
                path = path.isEmpty() ? match : path + "." + match;
                String snake = snake(match);
                JsonNode child = node.get(match);
                if (rest.equals(snake)) {
                    boolean structured = child.isContainerNode() || shapes.at(pointer(path)).isContainerNode();
                    node.set(match, structured ? parseStructured(e.getKey(), path, e.getValue())
                            : TextNode.valueOf(e.getValue())); // text: Jackson turns it into the number/boolean the key needs
                    break;
                }
                if (!child.isObject()) {
                    throw new ConfigException("environment variable " + e.getKey() + ": '" + path
                            + "' is not a section");
                }
                node = (ObjectNode) child;
                rest = rest.substring(snake.length() + 1);
            }
        }
    }

    /**
     * A list- or mapping-valued key's value as YAML. Only such keys are parsed, so a password that starts with '{'
     * stays text; an error names the variable and the form, never the value (it may be a secret).
     */
    private JsonNode parseStructured(String name, String path, String value) {
        JsonNode parsed;
        try {
            parsed = yaml.readTree(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            com.fasterxml.jackson.core.JsonLocation at = ex.getLocation();
            throw new ConfigException("environment variable " + name + " (" + path + "): expected a YAML/JSON list"
                    + " or mapping such as [a, b] or {key: value}; its value is not valid YAML"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (IOException ex) {
            throw new ConfigException("environment variable " + name + " (" + path + "): cannot be read as YAML");
        }
        if (parsed == null || !parsed.isContainerNode()) {
            throw new ConfigException("environment variable " + name + ": '" + path + "' is a list or mapping;"
                    + " expected YAML/JSON such as [a, b] or {key: value}");
        }
        return parsed;
    }

    private static com.fasterxml.jackson.core.JsonPointer pointer(String dottedPath) {
        com.fasterxml.jackson.core.JsonPointer p = com.fasterxml.jackson.core.JsonPointer.empty();
        for (String segment : dottedPath.split("\\.")) {
            p = p.appendProperty(segment);
        }
        return p;
    }

    static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    private BrokerConfig bind(ObjectNode tree) {
        try {
            return yaml.treeToValue(tree, BrokerConfig.class);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            // Jackson's own text names the Java class ("BrokerConfig$Template ... not marked as ignorable")
            java.util.List<String> known = e.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
            throw new ConfigException("unknown config key '" + pathOf(e) + "'"
                    + (known.isEmpty() ? "" : " (known here: " + String.join(", ", known) + ")"), e);
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            // Jackson's text for a missing or mistyped number ("Cannot map `null` into type `int` (set
            // DeserializationConfig...", "Cannot coerce Floating-point value") names its own settings, not what to write
            throw new ConfigException(pathOf(e) + ": " + mismatch(e), e);
        } catch (JsonMappingException e) {
            throw new ConfigException("config key '" + pathOf(e) + "': " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException("config: " + e.getMessage(), e);
        }
    }

    private static String mismatch(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        Class<?> t = e.getTargetType();
        String form = t == null ? null : switch (t.getName()) {
            case "int", "long", "short", "java.lang.Integer", "java.lang.Long", "java.lang.Short" ->
                    "a whole number (no fraction or exponent)";
            case "boolean", "java.lang.Boolean" -> "true or false";
            case "double", "java.lang.Double" -> "a number";
            default -> null;
        };
        boolean missing = m.startsWith("Cannot map `null`") || m.contains("`null`") || m.contains("empty String");
        if (missing) {
            return "required, " + (form != null ? form.replace(" (no fraction or exponent)", "")
                    : t == null ? "a value" : "a " + t.getSimpleName());
        }
        return form != null ? "expected " + form : m;
    }

    private static String pathOf(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** Durations as 500ms, 30s, 10m, 2h, 1d, or ISO-8601. */
    static final class DurationDeserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = p.getValueAsString();
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw JsonMappingException.from(p, e.getMessage());
            }
        }
    }
}
