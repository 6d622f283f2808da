using System.Text;
using ModelDock.Fuzz.Engine;
using ModelDock.Repository;

namespace ModelDock.Fuzz.Targets;

/// <summary>
/// Model config files (<c>config.json</c>, <c>config.yaml</c>) as the repository reads them: a broken file must be a
/// <see cref="ModelConfigException"/> naming the file and key, which marks that one model unavailable. Any other
/// exception would escape the repository scan.
/// </summary>
internal sealed class ModelConfigTarget : IFuzzTarget
{
    private const string Json = """
        {
          "name": "model", "platform": "onnxruntime_onnx", "backend": "onnxruntime", "max_batch_size": 8,
          "input": [{"name": "input", "data_type": "TYPE_FP32", "dims": [-1, 4]}],
          "output": [{"name": "output", "data_type": "TYPE_FP32", "dims": [3]}],
          "dynamic_batching": {"max_queue_delay_microseconds": 500, "preferred_batch_size": [4, 8], "batching_policy": "adaptive",
            "default_queue_policy": {"max_queue_size": 16, "default_timeout_microseconds": 100000}},
          "instance_group": [{"count": 2, "kind": "KIND_CPU"}],
          "version_policy": {"specific": {"versions": [1, 3]}},
          "default_model_filename": "model.onnx",
          "optimization": {"graph": {"level": 1}},
          "parameters": {"intra_op_thread_count": {"string_value": "1"}, "execution_mode": {"string_value": "sequential"}},
          "model_warmup": [{"batch_size": 4}],
          "modeldock": {"features": {"service": "recommender:1",
            "entities": [{"input": "customer_id", "entity": "customer", "datatype": "INT64"}, {"input": "sku", "entity": "product", "datatype": "BYTES"}],
            "inputs": [{"name": "dense", "datatype": "FP32", "on_missing": "default", "default": 0.5,
                "features": ["customer_stats:age", {"feature": "product_stats:price", "default": -1}, {"feature": "product_stats:ctr", "on_missing": "fail"}]},
              {"name": "category", "datatype": "INT64", "feature": "product_stats:category", "on_missing": "fail"}]}}
        }
        """;

    private const string Yaml = """
        max_batch_size: 16
        dynamic_batching:
          max_queue_delay_microseconds: 1000
          batching_policy: fixed_delay
          preferred_batch_size: [16]
        instance_group:
          - count: 1
        version_policy:
          latest:
            num_versions: 2
        parameters:
          inter_op_thread_count:
            string_value: "2"
        modeldock:
          features:
            service: recommender
            entities:
              - {input: customer_id, entity: customer, datatype: INT64}
            inputs:
              - name: dense
                datatype: FP64
                features: [customer_stats:age, {feature: customer_stats:active, default: true}]
        """;

    public string Name => "model-config";

    public double Share => 0.5;

    public int Parallelism => 2;

    public FuzzInput Generate(Random random)
    {
        var yaml = random.Next(2) == 0;
        var text = yaml ? Yaml : Json;
        if (!yaml && random.Next(4) != 0)
        {
            text = JsonMutator.Mutate(text, random);
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        if (yaml || random.Next(3) == 0)
        {
            bytes = ByteMutator.Mutate(bytes, random, Encoding.UTF8.GetBytes(yaml ? Json : Yaml));
        }

        return FuzzInput.File(Name, yaml ? "config.yaml" : "config.json", bytes);
    }

    public Task<Outcome> RunAsync(FuzzInput input, CancellationToken cancellationToken)
    {
        try
        {
            // As File.ReadAllText would decode it: invalid UTF-8 becomes U+FFFD.
            ModelConfigReader.Parse(input.Path, Encoding.UTF8.GetString(input.Body), "model");
            return Task.FromResult(new Outcome("valid"));
        }
        catch (ModelConfigException)
        {
            return Task.FromResult(new Outcome("ModelConfigException"));
        }
    }
}
