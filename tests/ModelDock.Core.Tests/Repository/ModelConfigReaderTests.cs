using ModelDock.Batching;
using ModelDock.Repository;
using ModelDock.Runtime.Onnx;
using ModelDock.Tensors;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Repository;

public sealed class ModelConfigReaderTests
{
    private const string FullJson = """
        {
          "name": "mlp",
          "platform": "onnxruntime_onnx",
          "max_batch_size": 32,
          "dynamic_batching": {
            "max_queue_delay_microseconds": 500,
            "preferred_batch_size": [8, 16],
            "default_queue_policy": { "max_queue_size": 64, "default_timeout_microseconds": "250000" }
          },
          "instance_group": [ { "count": 2, "kind": "KIND_CPU" }, { "count": 1 } ],
          "version_policy": { "latest": { "num_versions": 2 } },
          "input": [ { "name": "input", "data_type": "TYPE_FP32", "dims": [64] } ],
          "output": [ { "name": "probabilities", "data_type": "FP32", "dims": [10] } ],
          "model_warmup": [ { "name": "one", "batch_size": 1 }, { "batch_size": 32 } ],
          "parameters": { "intra_op_thread_count": { "string_value": "2" }, "inter_op_thread_count": 1, "execution_mode": { "string_value": "1" } },
          "optimization": { "graph": { "level": -1 } }
        }
        """;

    private const string FullYaml = """
        name: mlp
        platform: onnxruntime_onnx
        max_batch_size: 32
        dynamic_batching:
          max_queue_delay_microseconds: 500
          preferred_batch_size: [8, 16]
          default_queue_policy:
            max_queue_size: 64
            default_timeout_microseconds: "250000"
        instance_group:
          - count: 2
            kind: KIND_CPU
          - count: 1
        version_policy:
          latest:
            num_versions: 2
        input:
          - name: input
            data_type: TYPE_FP32
            dims: [64]
        output:
          - name: probabilities
            data_type: FP32
            dims: [10]
        model_warmup:
          - name: one
            batch_size: 1
          - batch_size: 32
        parameters:
          intra_op_thread_count: { string_value: "2" }
          inter_op_thread_count: 1
          execution_mode: { string_value: "1" }
        optimization:
          graph:
            level: -1
        """;

    [Theory]
    [InlineData("config.json", FullJson)]
    [InlineData("config.yaml", FullYaml)]
    public void Parse_EveryField_ReadsTritonNames(string file, string text)
    {
        var config = ModelConfigReader.Parse(file, text, "mlp");

        Assert.Equal(32, config.MaxBatchSize);
        Assert.Equal(TimeSpan.FromMicroseconds(500), config.DynamicBatching!.MaxQueueDelay);
        Assert.Equal([8, 16], config.DynamicBatching.PreferredBatchSizes);
        Assert.Equal(64, config.DynamicBatching.MaxQueueSize);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.DefaultTimeout);
        Assert.Equal(3, config.InstanceCount);
        Assert.Equal([3L, 4L], config.VersionPolicy.Select([1, 2, 3, 4]));
        var input = Assert.Single(config.Inputs);
        Assert.Equal(("input", DataType.Fp32), (input.Name, input.DataType));
        Assert.Equal(new long[] { 64 }, input.Dims);
        Assert.Equal(DataType.Fp32, Assert.Single(config.Outputs).DataType);
        Assert.Equal([1, 32], config.WarmupBatchSizes!);
        Assert.Equal(
            new OnnxSessionSettings { IntraOpThreads = 2, InterOpThreads = 1, ParallelExecution = true, GraphOptimization = OnnxGraphOptimization.Basic },
            config.Session);
    }

    [Fact]
    public void ToSchedulerOptions_FullConfig_CarriesBatchingQueueAndInstances()
    {
        var options = ModelConfigReader.Parse("config.json", FullJson, "mlp").ToSchedulerOptions();

        Assert.True(options.DynamicBatching);
        Assert.Equal(32, options.MaxBatchSize);
        Assert.Equal(TimeSpan.FromMicroseconds(500), options.MaxQueueDelay);
        Assert.Equal([8, 16], options.PreferredBatchSizes);
        Assert.Equal(64, options.MaxQueueSize);
        Assert.Equal(3, options.InstanceCount);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.DefaultTimeout);
    }

    [Fact]
    public void Parse_EmptyObject_KeepsTritonDefaults()
    {
        var config = ModelConfigReader.Parse("config.json", "{}", "m");

        Assert.Equal(0, config.MaxBatchSize);
        Assert.Null(config.DynamicBatching);
        Assert.Equal(1, config.InstanceCount);
        Assert.Equal([5L], config.VersionPolicy.Select([1, 5, 3]));
        Assert.Null(config.WarmupBatchSizes);
        Assert.False(config.ToSchedulerOptions().DynamicBatching);
    }

    [Fact]
    public void Parse_TritonZeroQueueSize_MeansUnbounded()
    {
        var config = ModelConfigReader.Parse(
            "config.json", """{"max_batch_size": 4, "dynamic_batching": {"default_queue_policy": {"max_queue_size": 0}}}""", "m");

        Assert.Equal(int.MaxValue, config.ToSchedulerOptions().MaxQueueSize);
    }

    [Theory]
    [InlineData("""{"max_batch_size": 4, "dynamic_batching": {}}""", BatchingPolicy.Adaptive)]
    [InlineData("""{"max_batch_size": 4, "dynamic_batching": {"max_queue_delay_microseconds": 500}}""", BatchingPolicy.Adaptive)]
    [InlineData("""{"max_batch_size": 4, "dynamic_batching": {"batching_policy": "adaptive"}}""", BatchingPolicy.Adaptive)]
    [InlineData("""{"max_batch_size": 4, "dynamic_batching": {"batching_policy": "fixed_delay"}}""", BatchingPolicy.FixedDelay)]
    [InlineData("""{"max_batch_size": 4, "dynamic_batching": {"dispatch_when_idle": true}}""", BatchingPolicy.Adaptive)]
    [InlineData("""{"max_batch_size": 4, "dynamic_batching": {"dispatch_when_idle": false}}""", BatchingPolicy.FixedDelay)]
    public void Parse_BatchingPolicy_ReachesTheSchedulerOptionsAdaptiveByDefault(string json, BatchingPolicy expected)
    {
        var config = ModelConfigReader.Parse("config.json", json, "m");

        Assert.Equal(expected, config.ToSchedulerOptions().BatchingPolicy);
    }

    [Fact]
    public void Parse_BatchingPolicyInYaml_ReachesTheSchedulerOptions()
    {
        var config = ModelConfigReader.Parse("config.yaml", "max_batch_size: 4\ndynamic_batching:\n  batching_policy: fixed_delay", "m");

        Assert.Equal(BatchingPolicy.FixedDelay, config.ToSchedulerOptions().BatchingPolicy);
    }

    [Fact]
    public void Parse_UnknownBatchingPolicy_ErrorNamesFileKeyValueAndThePolicies()
    {
        const string file = "/repo/m/config.json";

        var error = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Parse(
            file, """{"max_batch_size": 8, "dynamic_batching": {"batching_policy": "eager"}}""", "m"));

        Assert.StartsWith(file + ": key 'dynamic_batching.batching_policy'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'eager'", error.Message, StringComparison.Ordinal);
        Assert.Contains("adaptive", error.Message, StringComparison.Ordinal);
        Assert.Contains("fixed_delay", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"max_batch_size": 8, "dynamic_batching": {"max_queue_delay": 100}}""", "'dynamic_batching.max_queue_delay'")]
    [InlineData("""{"max_batch": 8}""", "'max_batch'")]
    [InlineData("""{"max_batch_size": "eight"}""", "'max_batch_size'")]
    [InlineData("""{"max_batch_size": -1}""", "'max_batch_size'")]
    [InlineData("""{"max_batch_size": 1.5}""", "'max_batch_size'")]
    [InlineData("""{"max_batch_size": 8, "dynamic_batching": {"preferred_batch_size": [4, 16]}}""", "'dynamic_batching.preferred_batch_size[1]'")]
    [InlineData("""{"dynamic_batching": {}}""", "'dynamic_batching'")]
    [InlineData("""{"max_batch_size": 8, "dynamic_batching": {"dispatch_when_idle": "yes"}}""", "'dynamic_batching.dispatch_when_idle'")]
    [InlineData("""{"max_batch_size": 8, "dynamic_batching": {"batching_policy": 1}}""", "'dynamic_batching.batching_policy'")]
    [InlineData("""{"max_batch_size": 8, "dynamic_batching": {"batching_policy": "Adaptive"}}""", "'dynamic_batching.batching_policy'")]
    [InlineData("""{"max_batch_size": 8, "dynamic_batching": {"batching_policy": "adaptive", "dispatch_when_idle": true}}""", "'dynamic_batching.dispatch_when_idle'")]
    [InlineData("""{"max_batch_size": 8, "dynamic_batching": {"default_queue_policy": {"max_queue_size": "x"}}}""", "'dynamic_batching.default_queue_policy.max_queue_size'")]
    [InlineData("""{"instance_group": [{"count": 0}]}""", "'instance_group[0].count'")]
    [InlineData("""{"instance_group": [{"kind": "KIND_GPU"}]}""", "'instance_group[0].kind'")]
    [InlineData("""{"instance_group": {"count": 2}}""", "'instance_group'")]
    [InlineData("""{"version_policy": {"latest": {"num_versions": 0}}}""", "'version_policy.latest.num_versions'")]
    [InlineData("""{"version_policy": {"newest": {}}}""", "'version_policy.newest'")]
    [InlineData("""{"version_policy": {"all": {}, "latest": {}}}""", "'version_policy'")]
    [InlineData("""{"version_policy": {"specific": {"versions": []}}}""", "'version_policy.specific.versions'")]
    [InlineData("""{"version_policy": {"specific": {"versions": [1, "two"]}}}""", "'version_policy.specific.versions[1]'")]
    [InlineData("""{"input": [{"name": "x", "data_type": "TYPE_FLOAT"}]}""", "'input[0].data_type'")]
    [InlineData("""{"input": [{"data_type": "FP32"}]}""", "'input[0].name'")]
    [InlineData("""{"output": [{"name": "y", "dims": [2, "a"]}]}""", "'output[0].dims[1]'")]
    [InlineData("""{"output": [{"name": "y", "shape": [2]}]}""", "'output[0].shape'")]
    [InlineData("""{"model_warmup": [{"batch_size": 2}]}""", "'model_warmup[0].batch_size'")]
    [InlineData("""{"parameters": {"threads": 2}}""", "'parameters.threads'")]
    [InlineData("""{"parameters": {"execution_mode": 3}}""", "'parameters.execution_mode'")]
    [InlineData("""{"optimization": {"graph": {"level": 2}}}""", "'optimization.graph.level'")]
    [InlineData("""{"name": "other"}""", "'name'")]
    [InlineData("""{"platform": "tensorrt_plan"}""", "'platform'")]
    [InlineData("""{"default_model_filename": "../x.onnx"}""", "'default_model_filename'")]
    public void Parse_InvalidJson_ErrorNamesFileAndKey(string json, string key)
    {
        const string file = "/repo/m/config.json";

        var error = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Parse(file, json, "m"));

        Assert.StartsWith(file + ":", error.Message, StringComparison.Ordinal);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("max_batch_size: eight", "'max_batch_size'")]
    [InlineData("max_batch_size: 4\ndynamic_batching:\n  preferred_batch_size: 4", "'dynamic_batching.preferred_batch_size'")]
    [InlineData("version_policy:\n  latest:\n    versions: 2", "'version_policy.latest.versions'")]
    [InlineData("max_batch_size: \"4\"\nunknown: true", "'unknown'")]
    public void Parse_InvalidYaml_ErrorNamesFileAndKey(string yaml, string key)
    {
        const string file = "/repo/m/config.yaml";

        var error = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Parse(file, yaml, "m"));

        Assert.StartsWith(file + ":", error.Message, StringComparison.Ordinal);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("config.json", "{\"max_batch_size\": ")]
    [InlineData("config.yaml", "max_batch_size: [1\n")]
    public void Parse_Malformed_ErrorNamesFileAndFormat(string file, string text)
    {
        var error = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Parse(file, text, "m"));

        Assert.StartsWith(file + ": not valid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoConfigFile_ReturnsDefault()
    {
        using var repository = new TestModelRepository();
        repository.AddVersion("m", 1, [1]);

        Assert.Same(ModelConfig.Default, ModelConfigReader.Read(Path.Combine(repository.Path, "m"), "m"));
    }

    [Fact]
    public void Read_JsonAndYamlBothPresent_RefusesNamingTheFolder()
    {
        using var repository = new TestModelRepository();
        repository.WriteConfig("m", "{}");
        var directory = Path.Combine(repository.Path, "m");
        File.WriteAllText(Path.Combine(directory, "config.yaml"), "max_batch_size: 1");

        var error = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Read(directory, "m"));

        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("config.json", """{"max_batch_size": 8, "max_batch_size": 4}""", "max_batch_size")]
    [InlineData("config.json", """{"max_batch_size": 8, "\udfff": 1}""", "not a valid config")]
    [InlineData("config.yaml", "max_batch_size: 1e999", "'max_batch_size'")]
    [InlineData("config.yaml", "dynamic_batching:\n  max_queue_delay_microseconds: .inf", "'dynamic_batching")]
    public void Parse_FuzzFoundConfigs_AreConfigErrorsNotCrashes(string file, string text, string fragment)
    {
        var error = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Parse(file, text, "m"));

        Assert.StartsWith(file + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }
}
