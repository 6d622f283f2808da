using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Onnx;
using ModelDock.Tensors;

namespace ModelDock.Testing.Features;

/// <summary>
/// A ranking setup for feature assembly: customers and products (INT64 keys) with stats views, a service over them,
/// values that follow from the key (so tests know what the store holds), and a model that echoes its inputs, built
/// with the project's ONNX builder, so an output shows exactly what the server assembled.
/// </summary>
public static class RankingFeatures
{
    public const string Service = "recommender";

    /// <summary>The product view's TTL: a product written longer ago than this counts as missing.</summary>
    public static readonly TimeSpan ProductTtl = TimeSpan.FromHours(1);

    /// <summary>The model's output: dense (4 values), category and basket, concatenated into 6 FP32 values per row.</summary>
    public const string EchoOutput = "echo";

    public static FeatureRepository Create(string folder) => new(
        folder,
        [
            new Entity("customer", [new JoinKey("customer_id", FeatureValueType.Int64)], "A customer."),
            new Entity("product", [new JoinKey("product_id", FeatureValueType.Int64)], "A product."),
        ],
        [
            new DataSource("customer_source", "customers.parquet", "event_timestamp", null),
            new DataSource("product_source", "products.parquet", "event_timestamp", null),
        ],
        [
            new FeatureView("customer_stats", ["customer"], TimeSpan.Zero, "customer_source", true,
                [new("age", FeatureValueType.Int64), new("spend_30d", FeatureValueType.Double), new("email", FeatureValueType.String)],
                new Dictionary<string, string>()),
            new FeatureView("product_stats", ["product"], ProductTtl, "product_source", true,
                [new("price", FeatureValueType.Float), new("ctr", FeatureValueType.Double), new("category", FeatureValueType.Int64)],
                new Dictionary<string, string>()),
        ],
        [
            new FeatureService(
                Service,
                [new("customer_stats", "age"), new("customer_stats", "spend_30d"), new("product_stats", "price"), new("product_stats", "ctr"), new("product_stats", "category")],
                "Inputs of the ranker.",
                new Dictionary<string, string>()),
            new FeatureService(
                "everything",
                [new("customer_stats", "age"), new("customer_stats", "spend_30d"), new("customer_stats", "email"), new("product_stats", "price")],
                "Every feature, strings included.",
                new Dictionary<string, string>()),
        ]);

    public static long Age(long customer) => 20 + customer;

    public static double Spend(long customer) => 10.5 * customer;

    public static float Price(long product) => product * 0.25f;

    public static double Ctr(long product) => 1.0 / (product + 1);

    public static long Category(long product) => product % 7;

    /// <summary>Writes customers and products through the store's own write path, each observed at <paramref name="at"/>.</summary>
    public static async Task WriteAsync(IOnlineStore store, IEnumerable<long> customers, IEnumerable<long> products, DateTimeOffset at)
    {
        await store.WriteAsync(
            "customer_stats",
            ["age", "spend_30d", "email"],
            [.. customers.Select(c => new OnlineWriteRow(
                EntityKey.Create("customer_id", FeatureValue.FromInt64(c)),
                [FeatureValue.FromInt64(Age(c)), FeatureValue.FromDouble(Spend(c)), FeatureValue.FromString($"c{c}@example.invalid")],
                at))],
            CancellationToken.None);
        await store.WriteAsync(
            "product_stats",
            ["price", "ctr", "category"],
            [.. products.Select(p => new OnlineWriteRow(
                EntityKey.Create("product_id", FeatureValue.FromInt64(p)),
                [FeatureValue.FromFloat(Price(p)), FeatureValue.FromDouble(Ctr(p)), FeatureValue.FromInt64(Category(p))],
                at))],
            CancellationToken.None);
    }

    /// <summary>
    /// Inputs <c>dense</c> FP32 [-1, 4], <c>category</c> INT64 [-1, 1] and <c>basket</c> FP32 [-1, 1] (a request-time
    /// input); output <see cref="EchoOutput"/> FP32 [-1, 6], the three side by side.
    /// </summary>
    public static byte[] EchoModel() =>
        new OnnxModelBuilder("ranker")
            .AddInput("dense", DataType.Fp32, -1, 4)
            .AddInput("category", DataType.Int64, -1, 1)
            .AddInput("basket", DataType.Fp32, -1, 1)
            .AddOutput(EchoOutput, DataType.Fp32, -1, 6)
            .AddNode("Cast", ["category"], ["category_float"], OnnxAttribute.Int("to", (long)DataType.Fp32.ToOnnx()))
            .AddNode("Concat", ["dense", "category_float", "basket"], [EchoOutput], OnnxAttribute.Int("axis", 1))
            .Build();

    /// <summary>
    /// The config of a ranker that reads its features by customer and product key. <paramref name="ctr"/> is the ctr
    /// entry of the dense input's feature list; <paramref name="features"/> replaces the whole section when given.
    /// </summary>
    public static string Config(string ctr = "product_stats:ctr", string? features = null, int maxBatchSize = 256) => $$"""
        max_batch_size: {{maxBatchSize}}
        modeldock:
          features:
        {{features ?? $$"""
            service: {{Service}}
            entities:
              - {input: customer_id, entity: customer, datatype: INT64}
              - {input: product_id, entity: product, datatype: INT64}
            inputs:
              - name: dense
                datatype: FP32
                features: [customer_stats:age, customer_stats:spend_30d, {feature: product_stats:price, default: -1}, {{ctr}}]
              - name: category
                datatype: INT64
                feature: product_stats:category
        """}}
        """;

    /// <summary>The row the echo model answers for a customer, product and basket value when every feature is present.</summary>
    public static float[] ExpectedRow(long customer, long product, float basket) =>
        [Age(customer), (float)Spend(customer), Price(product), (float)Ctr(product), Category(product), basket];
}
