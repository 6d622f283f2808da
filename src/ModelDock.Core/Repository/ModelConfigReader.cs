using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelDock.Batching;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Runtime.Onnx;
using ModelDock.Tensors;
using YamlDotNet.Core;

namespace ModelDock.Repository;

/// <summary>
/// Reads and validates <c>config.json</c> or <c>config.yaml</c> of one model directory. Every problem is a
/// <see cref="ModelConfigException"/> naming the file and the key (e.g. <c>dynamic_batching.preferred_batch_size[1]</c>).
/// </summary>
internal sealed class ModelConfigReader
{
    public const string JsonFileName = "config.json";
    public const string YamlFileName = "config.yaml";

    private static readonly string[] TopLevelKeys =
    [
        "name", "platform", "backend", "default_model_filename", "max_batch_size", "dynamic_batching",
        "instance_group", "version_policy", "input", "output", "model_warmup", "parameters", "optimization", "modeldock",
    ];

    private readonly string _file;

    private ModelConfigReader(string file)
    {
        _file = file;
    }

    /// <summary>The config files a model directory may hold; at most one may exist.</summary>
    public static IEnumerable<string> CandidateFiles(string modelDirectory) =>
        [Path.Combine(modelDirectory, JsonFileName), Path.Combine(modelDirectory, YamlFileName)];

    /// <summary>Reads the directory's config, or <see cref="ModelConfig.Default"/> when it has none.</summary>
    public static ModelConfig Read(string modelDirectory, string modelName)
    {
        var present = CandidateFiles(modelDirectory).Where(File.Exists).ToList();
        if (present.Count > 1)
        {
            throw new ModelConfigException(
                $"{modelDirectory}: both {JsonFileName} and {YamlFileName} exist; keep one of them");
        }

        if (present.Count == 0)
        {
            return ModelConfig.Default;
        }

        string text;
        try
        {
            text = File.ReadAllText(present[0]);
        }
        catch (IOException ex)
        {
            throw new ModelConfigException($"{present[0]}: cannot be read: {ex.Message}", ex);
        }

        return Parse(present[0], text, modelName);
    }

    /// <summary>Parses config text; the format follows the file's extension (.yaml/.yml, otherwise JSON).</summary>
    public static ModelConfig Parse(string file, string text, string modelName)
    {
        var reader = new ModelConfigReader(file);
        var extension = Path.GetExtension(file);
        var isYaml = extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase)
            || extension.Equals(".yml", StringComparison.OrdinalIgnoreCase);
        JsonNode? root;
        try
        {
            root = isYaml
                ? YamlToJson.Convert(text)
                : JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new ModelConfigException($"{file}: not valid JSON: {ex.Message}", ex);
        }
        catch (YamlException ex)
        {
            throw new ModelConfigException($"{file}: not valid YAML at line {ex.Start.Line}: {ex.Message}", ex);
        }

        try
        {
            return root is null ? ModelConfig.Default : reader.ReadRoot(root, modelName);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // JsonNode decodes property names and builds its dictionary on first access: a duplicate key or a name
            // that is not valid text (a lone surrogate escape) surfaces here rather than in JsonNode.Parse.
            throw new ModelConfigException($"{file}: not a valid config: {ex.Message}", ex);
        }
    }

    private ModelConfig ReadRoot(JsonNode root, string modelName)
    {
        var obj = Object(root, "(root)");
        CheckKeys(obj, null, TopLevelKeys);
        if (obj["name"] is { } nameNode && String(nameNode, "name") != modelName)
        {
            throw Error("name", $"is '{String(nameNode, "name")}' but the model's directory is '{modelName}'");
        }

        if (obj["platform"] is { } platform && String(platform, "platform") != "onnxruntime_onnx")
        {
            throw Error("platform", "must be 'onnxruntime_onnx', the only platform served");
        }

        if (obj["backend"] is { } backend && String(backend, "backend") != "onnxruntime")
        {
            throw Error("backend", "must be 'onnxruntime', the only backend served");
        }

        var maxBatchSize = obj["max_batch_size"] is { } mbs ? (int)Integer(mbs, "max_batch_size", 0, int.MaxValue) : 0;
        return new ModelConfig
        {
            MaxBatchSize = maxBatchSize,
            DefaultModelFilename = obj["default_model_filename"] is { } fileName
                ? FileName(fileName, "default_model_filename")
                : ModelConfig.Default.DefaultModelFilename,
            DynamicBatching = obj["dynamic_batching"] is { } db ? DynamicBatching(db, maxBatchSize) : null,
            InstanceCount = obj["instance_group"] is { } ig ? InstanceCount(ig) : 1,
            VersionPolicy = obj["version_policy"] is { } vp ? Policy(vp) : VersionPolicy.Latest(1),
            Inputs = obj["input"] is { } inputs ? Tensors(inputs, "input") : [],
            Outputs = obj["output"] is { } outputs ? Tensors(outputs, "output") : [],
            WarmupBatchSizes = obj["model_warmup"] is { } warmup ? Warmup(warmup, maxBatchSize) : null,
            Session = Session(obj["parameters"], obj["optimization"]),
            Features = obj["modeldock"] is { } modelDock ? ModelDockFeatures(modelDock) : null,
        };
    }

    /// <summary>ModelDock's own section; Triton has no <c>modeldock</c> key, so it cannot clash with one.</summary>
    private FeatureDeclaration? ModelDockFeatures(JsonNode node)
    {
        var obj = Object(node, "modeldock");
        CheckKeys(obj, "modeldock", ["features"]);
        if (obj["features"] is not { } featuresNode)
        {
            return null;
        }

        const string key = "modeldock.features";
        var features = Object(featuresNode, key);
        CheckKeys(features, key, ["service", "entities", "inputs"]);
        var service = features["service"] is { } s ? String(s, $"{key}.service") : throw Error($"{key}.service", "is required");
        if (service.Length == 0)
        {
            throw Error($"{key}.service", "must name a feature service, 'name' or 'name:version'");
        }

        var entities = features["entities"] is { } e ? Array(e, $"{key}.entities") : throw Error($"{key}.entities", "is required");
        var inputs = features["inputs"] is { } i ? Array(i, $"{key}.inputs") : throw Error($"{key}.inputs", "is required");
        if (entities.Count == 0)
        {
            throw Error($"{key}.entities", "must list at least one entity-key input");
        }

        if (inputs.Count == 0)
        {
            throw Error($"{key}.inputs", "must list at least one input built from features");
        }

        var entityInputs = new List<EntityInputDeclaration>(entities.Count);
        for (var n = 0; n < entities.Count; n++)
        {
            var entityInput = EntityInput(entities[n], $"{key}.entities[{n}]");
            if (entityInputs.Any(x => x.Input == entityInput.Input))
            {
                throw Error($"{entityInput.Key}.input", $"'{entityInput.Input}' is declared more than once");
            }

            entityInputs.Add(entityInput);
        }

        var assembled = new List<AssembledInputDeclaration>(inputs.Count);
        for (var n = 0; n < inputs.Count; n++)
        {
            var input = AssembledInput(inputs[n], $"{key}.inputs[{n}]");
            if (assembled.Any(x => x.Name == input.Name) || entityInputs.Any(x => x.Input == input.Name))
            {
                throw Error($"{input.Key}.name", $"'{input.Name}' is declared more than once");
            }

            assembled.Add(input);
        }

        return new FeatureDeclaration(_file, service, entityInputs, assembled);
    }

    private EntityInputDeclaration EntityInput(JsonNode? node, string key)
    {
        var obj = Object(node, key);
        CheckKeys(obj, key, ["input", "entity", "datatype"]);
        var input = obj["input"] is { } i ? String(i, $"{key}.input") : throw Error($"{key}.input", "is required");
        var entity = obj["entity"] is { } e ? String(e, $"{key}.entity") : throw Error($"{key}.entity", "is required");
        var dataType = obj["datatype"] is { } d ? ParseDataType(d, $"{key}.datatype") : throw Error($"{key}.datatype", "is required");
        if (dataType is not (DataType.Int64 or DataType.Int32 or DataType.Bytes))
        {
            throw Error($"{key}.datatype", $"is {dataType.ToWireName()}; entity keys are INT64, INT32 or BYTES (for STRING join keys)");
        }

        return new EntityInputDeclaration(key, input, entity, dataType);
    }

    private AssembledInputDeclaration AssembledInput(JsonNode? node, string key)
    {
        var obj = Object(node, key);
        CheckKeys(obj, key, ["name", "datatype", "features", "feature", "on_missing", "default"]);
        var name = obj["name"] is { } n ? String(n, $"{key}.name") : throw Error($"{key}.name", "is required");
        var dataType = obj["datatype"] is { } d ? ParseDataType(d, $"{key}.datatype") : throw Error($"{key}.datatype", "is required");
        if (dataType is not (DataType.Fp32 or DataType.Fp64 or DataType.Int64 or DataType.Int32 or DataType.Bool))
        {
            throw Error($"{key}.datatype", $"is {dataType.ToWireName()}; inputs built from features are FP32, FP64, INT64, INT32 or BOOL");
        }

        var policy = obj["on_missing"] is { } m ? Policy(m, $"{key}.on_missing") : MissingFeaturePolicy.Default;
        var fallback = obj["default"] is { } value ? DefaultValue(value, $"{key}.default", dataType) : 0;
        if (obj["default"] is not null && policy == MissingFeaturePolicy.Fail)
        {
            throw Error($"{key}.default", "is never used: on_missing is fail");
        }

        if (obj.ContainsKey("features") == obj.ContainsKey("feature"))
        {
            throw Error(key, "needs exactly one of 'features' (a list, concatenated into [N, count]) or 'feature' (one, [N] or [N, 1])");
        }

        List<FeatureInputDeclaration> features;
        if (obj["feature"] is { } single)
        {
            features = [Feature(single, $"{key}.feature", dataType, policy, fallback)];
        }
        else
        {
            var list = Array(obj["features"], $"{key}.features");
            if (list.Count == 0)
            {
                throw Error($"{key}.features", "must list at least one feature");
            }

            features = new List<FeatureInputDeclaration>(list.Count);
            for (var f = 0; f < list.Count; f++)
            {
                var feature = Feature(list[f], $"{key}.features[{f}]", dataType, policy, fallback);
                if (features.Any(x => x.Feature == feature.Feature))
                {
                    throw Error(feature.Key, $"'{feature.Feature}' is listed more than once");
                }

                features.Add(feature);
            }
        }

        return new AssembledInputDeclaration(key, name, dataType, obj.ContainsKey("features"), features);
    }

    /// <summary>A feature is <c>view:feature</c>, or an object that also overrides the input's missing-value policy.</summary>
    private FeatureInputDeclaration Feature(JsonNode? node, string key, DataType dataType, MissingFeaturePolicy policy, double fallback)
    {
        if (node is JsonObject obj)
        {
            CheckKeys(obj, key, ["feature", "on_missing", "default"]);
            var reference = obj["feature"] is { } f ? Reference(f, $"{key}.feature") : throw Error($"{key}.feature", "is required");
            var own = obj["on_missing"] is { } m ? Policy(m, $"{key}.on_missing") : obj.ContainsKey("default") ? MissingFeaturePolicy.Default : policy;
            var value = obj["default"] is { } d ? DefaultValue(d, $"{key}.default", dataType) : fallback;
            if (obj["default"] is not null && own == MissingFeaturePolicy.Fail)
            {
                throw Error($"{key}.default", "is never used: on_missing is fail");
            }

            return new FeatureInputDeclaration(key, reference, own, value);
        }

        return new FeatureInputDeclaration(key, Reference(node, key), policy, fallback);
    }

    private FeatureReference Reference(JsonNode? node, string key)
    {
        var text = String(node, key);
        try
        {
            return FeatureReference.Parse(text);
        }
        catch (ModelDockException)
        {
            throw Error(key, $"is '{text}', not a feature reference 'view:feature'");
        }
    }

    private MissingFeaturePolicy Policy(JsonNode node, string key) =>
        String(node, key) switch
        {
            "default" => MissingFeaturePolicy.Default,
            "fail" => MissingFeaturePolicy.Fail,
            var other => throw Error(key, $"is '{other}'; expected default or fail"),
        };

    /// <summary>A default must be a value of the input's datatype, so that a missing feature never needs a lossy conversion.</summary>
    private double DefaultValue(JsonNode node, string key, DataType dataType)
    {
        double value;
        if (node is JsonValue json && json.TryGetValue<bool>(out var flag))
        {
            value = flag ? 1 : 0;
        }
        else if (node is JsonValue whole && whole.TryGetValue<long>(out var l))
        {
            value = l;
        }
        else if (node is JsonValue number && number.TryGetValue<double>(out var d) && double.IsFinite(d))
        {
            value = d;
        }
        else
        {
            throw Error(key, $"must be a number or true/false, not {Describe(node)}");
        }

        var fits = dataType switch
        {
            DataType.Bool => value is 0 or 1,
            DataType.Int32 => value == Math.Floor(value) && value is >= int.MinValue and <= int.MaxValue,
            DataType.Int64 => value == Math.Floor(value) && Math.Abs(value) < 9e15,
            _ => true,
        };
        return fits ? value : throw Error(key, $"is {Describe(node)}, not a value of the input's datatype {dataType.ToWireName()}");
    }

    private DynamicBatchingConfig DynamicBatching(JsonNode node, int maxBatchSize)
    {
        const string key = "dynamic_batching";
        var obj = Object(node, key);
        if (maxBatchSize == 0)
        {
            throw Error(key, "needs a batch dimension: set max_batch_size above 0");
        }

        CheckKeys(obj, key, ["max_queue_delay_microseconds", "preferred_batch_size", "default_queue_policy", "batching_policy", "dispatch_when_idle"]);
        var config = new DynamicBatchingConfig();
        if (obj["max_queue_delay_microseconds"] is { } delay)
        {
            config = config with { MaxQueueDelay = Microseconds(Integer(delay, $"{key}.max_queue_delay_microseconds", 0, long.MaxValue / 10)) };
        }

        if (obj["batching_policy"] is { } batchingPolicy)
        {
            if (obj.ContainsKey("dispatch_when_idle"))
            {
                throw Error($"{key}.dispatch_when_idle", "is the older spelling of batching_policy; give only batching_policy");
            }

            config = config with { BatchingPolicy = BatchingPolicyName(batchingPolicy, $"{key}.batching_policy") };
        }
        else if (obj["dispatch_when_idle"] is { } idle)
        {
            var whenIdle = Boolean(idle, $"{key}.dispatch_when_idle");
            config = config with { BatchingPolicy = whenIdle ? BatchingPolicy.Adaptive : BatchingPolicy.FixedDelay };
        }

        if (obj["preferred_batch_size"] is { } preferred)
        {
            var sizes = Array(preferred, $"{key}.preferred_batch_size")
                .Select((n, i) => (int)Integer(n, $"{key}.preferred_batch_size[{i}]", 1, maxBatchSize))
                .ToList();
            config = config with { PreferredBatchSizes = sizes };
        }

        if (obj["default_queue_policy"] is { } policyNode)
        {
            var policyKey = $"{key}.default_queue_policy";
            var policy = Object(policyNode, policyKey);
            CheckKeys(policy, policyKey, ["max_queue_size", "default_timeout_microseconds"]);
            if (policy["max_queue_size"] is { } size)
            {
                var max = (int)Integer(size, $"{policyKey}.max_queue_size", 0, int.MaxValue);
                config = config with { MaxQueueSize = max == 0 ? int.MaxValue : max };
            }

            if (policy["default_timeout_microseconds"] is { } timeout)
            {
                var us = Integer(timeout, $"{policyKey}.default_timeout_microseconds", 0, long.MaxValue / 10);
                config = config with { DefaultTimeout = us == 0 ? null : Microseconds(us) };
            }
        }

        return config;
    }

    private int InstanceCount(JsonNode node)
    {
        var groups = Array(node, "instance_group");
        var total = 0;
        for (var i = 0; i < groups.Count; i++)
        {
            var key = $"instance_group[{i}]";
            var group = Object(groups[i], key);
            CheckKeys(group, key, ["name", "count", "kind"]);
            if (group["name"] is { } name)
            {
                String(name, $"{key}.name");
            }

            if (group["kind"] is { } kind && String(kind, $"{key}.kind") is not ("KIND_CPU" or "KIND_AUTO"))
            {
                throw Error($"{key}.kind", "must be KIND_CPU or KIND_AUTO; models run on the CPU");
            }

            total += group["count"] is { } count ? (int)Integer(count, $"{key}.count", 1, 1024) : 1;
        }

        return Math.Max(total, 1);
    }

    private VersionPolicy Policy(JsonNode node)
    {
        const string key = "version_policy";
        var obj = Object(node, key);
        CheckKeys(obj, key, ["latest", "all", "specific"]);
        if (obj.Count != 1)
        {
            throw Error(key, "must hold exactly one of latest, all or specific");
        }

        var (kind, value) = obj.First();
        switch (kind)
        {
            case "latest":
                var latest = Object(value, $"{key}.latest");
                CheckKeys(latest, $"{key}.latest", ["num_versions"]);
                return VersionPolicy.Latest(latest["num_versions"] is { } n ? (int)Integer(n, $"{key}.latest.num_versions", 1, int.MaxValue) : 1);
            case "all":
                CheckKeys(Object(value, $"{key}.all"), $"{key}.all", []);
                return VersionPolicy.All;
            default:
                var specific = Object(value, $"{key}.specific");
                CheckKeys(specific, $"{key}.specific", ["versions"]);
                var list = specific["versions"] is { } versions
                    ? Array(versions, $"{key}.specific.versions")
                        .Select((v, i) => Integer(v, $"{key}.specific.versions[{i}]", 1, long.MaxValue))
                        .ToList()
                    : [];
                if (list.Count == 0)
                {
                    throw Error($"{key}.specific.versions", "must list at least one version");
                }

                return VersionPolicy.Specific(list);
        }
    }

    private List<TensorConfig> Tensors(JsonNode node, string key)
    {
        var items = Array(node, key);
        var result = new List<TensorConfig>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var itemKey = $"{key}[{i}]";
            var item = Object(items[i], itemKey);
            CheckKeys(item, itemKey, ["name", "data_type", "dims"]);
            var name = item["name"] is { } n ? String(n, $"{itemKey}.name") : throw Error($"{itemKey}.name", "is required");
            DataType? dataType = item["data_type"] is { } dt ? ParseDataType(dt, $"{itemKey}.data_type") : null;
            var dims = item["dims"] is { } d
                ? Array(d, $"{itemKey}.dims").Select((x, j) => Integer(x, $"{itemKey}.dims[{j}]", -1, int.MaxValue)).ToArray()
                : null;
            if (result.Any(t => t.Name == name))
            {
                throw Error($"{itemKey}.name", $"'{name}' is configured more than once");
            }

            result.Add(new TensorConfig(name, dataType, dims));
        }

        return result;
    }

    private List<int> Warmup(JsonNode node, int maxBatchSize)
    {
        var items = Array(node, "model_warmup");
        var sizes = new List<int>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var key = $"model_warmup[{i}]";
            var item = Object(items[i], key);
            CheckKeys(item, key, ["name", "batch_size"]);
            if (item["name"] is { } name)
            {
                String(name, $"{key}.name");
            }

            var size = item["batch_size"] is { } bs ? (int)Integer(bs, $"{key}.batch_size", 1, int.MaxValue) : 1;
            if (size > Math.Max(maxBatchSize, 1))
            {
                throw Error($"{key}.batch_size", maxBatchSize == 0
                    ? $"is {size} but the model has no batch dimension (max_batch_size 0); use 1"
                    : $"is {size}, more than max_batch_size {maxBatchSize}");
            }

            sizes.Add(size);
        }

        return sizes;
    }

    private OnnxSessionSettings Session(JsonNode? parameters, JsonNode? optimization)
    {
        var settings = OnnxSessionSettings.Default;
        if (parameters is not null)
        {
            var obj = Object(parameters, "parameters");
            CheckKeys(obj, "parameters", ["intra_op_thread_count", "inter_op_thread_count", "execution_mode"]);
            foreach (var (name, value) in obj)
            {
                var key = $"parameters.{name}";
                var number = (int)Integer(ParameterValue(value, key), key, 0, 1024);
                settings = name switch
                {
                    "intra_op_thread_count" => settings with { IntraOpThreads = number },
                    "inter_op_thread_count" => settings with { InterOpThreads = number },
                    _ => number <= 1
                        ? settings with { ParallelExecution = number == 1 }
                        : throw Error(key, "must be 0 (sequential) or 1 (parallel)"),
                };
            }
        }

        if (optimization is not null)
        {
            var obj = Object(optimization, "optimization");
            CheckKeys(obj, "optimization", ["graph"]);
            if (obj["graph"] is { } graphNode)
            {
                var graph = Object(graphNode, "optimization.graph");
                CheckKeys(graph, "optimization.graph", ["level"]);
                if (graph["level"] is { } levelNode)
                {
                    // Triton's onnxruntime backend levels: -1 basic, 1 extended, 0 (default) all.
                    var level = Integer(levelNode, "optimization.graph.level", -1, 1);
                    settings = settings with
                    {
                        GraphOptimization = level switch
                        {
                            -1 => OnnxGraphOptimization.Basic,
                            1 => OnnxGraphOptimization.Extended,
                            _ => OnnxGraphOptimization.All,
                        },
                    };
                }
            }
        }

        return settings;
    }

    /// <summary>Triton writes parameters as <c>{"string_value": "4"}</c>; a bare value is accepted too.</summary>
    private JsonNode ParameterValue(JsonNode? value, string key)
    {
        if (value is JsonObject obj)
        {
            CheckKeys(obj, key, ["string_value"]);
            return obj["string_value"] ?? throw Error($"{key}.string_value", "is required");
        }

        return value ?? throw Error(key, "must not be null");
    }

    private DataType ParseDataType(JsonNode node, string key)
    {
        var text = String(node, key);
        var name = text.StartsWith("TYPE_", StringComparison.Ordinal) ? text["TYPE_".Length..] : text;
        if (name == "STRING")
        {
            return DataType.Bytes;
        }

        return DataTypes.TryParse(name, out var type)
            ? type
            : throw Error(key, $"is '{text}', not a datatype; expected one of {DataTypes.AllWireNames} (optionally prefixed TYPE_)");
    }

    private BatchingPolicy BatchingPolicyName(JsonNode node, string key) =>
        String(node, key) switch
        {
            "adaptive" => BatchingPolicy.Adaptive,
            "fixed_delay" => BatchingPolicy.FixedDelay,
            var other => throw Error(key, $"is '{other}', not a batching policy; expected adaptive or fixed_delay"),
        };

    private string FileName(JsonNode node, string key)
    {
        var name = String(node, key);
        return name.Length > 0 && Path.GetFileName(name) == name
            ? name
            : throw Error(key, $"must be a plain file name, not '{name}'");
    }

    private void CheckKeys(JsonObject obj, string? parent, string[] allowed)
    {
        foreach (var (name, _) in obj)
        {
            if (!allowed.Contains(name))
            {
                var key = parent is null ? name : $"{parent}.{name}";
                var expected = allowed.Length == 0 ? "it takes no keys" : $"expected one of: {string.Join(", ", allowed)}";
                throw new ModelConfigException($"{_file}: unknown key '{key}' ({expected})");
            }
        }
    }

    private JsonObject Object(JsonNode? node, string key) =>
        node as JsonObject ?? throw Error(key, $"must be an object, not {Describe(node)}");

    private JsonArray Array(JsonNode? node, string key) =>
        node as JsonArray ?? throw Error(key, $"must be a list, not {Describe(node)}");

    private string String(JsonNode? node, string key) =>
        node is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : throw Error(key, $"must be a string, not {Describe(node)}");

    private bool Boolean(JsonNode? node, string key) =>
        node is JsonValue value && value.TryGetValue<bool>(out var flag)
            ? flag
            : throw Error(key, $"must be true or false, not {Describe(node)}");

    /// <summary>Integers may be quoted, as protobuf's JSON mapping writes 64-bit numbers.</summary>
    private long Integer(JsonNode? node, string key, long min, long max)
    {
        long? parsed = null;
        if (node is JsonValue value)
        {
            if (value.TryGetValue<long>(out var l))
            {
                parsed = l;
            }
            else if (value.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e15)
            {
                parsed = (long)d;
            }
            else if (value.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var fromText))
            {
                parsed = fromText;
            }
        }

        if (parsed is not { } result)
        {
            throw Error(key, $"must be an integer, not {Describe(node)}");
        }

        return result >= min && result <= max
            ? result
            : throw Error(key, $"must be between {min} and {max}, not {result}");
    }

    private ModelConfigException Error(string key, string problem) => new($"{_file}: key '{key}' {problem}");

    private static TimeSpan Microseconds(long us) => TimeSpan.FromTicks(us * 10);

    private static string Describe(JsonNode? node) => node is null ? "null" : node.ToJsonString();
}
