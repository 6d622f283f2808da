using System.Runtime.InteropServices;
using ModelDock.Features.Assembly;
using ModelDock.Features.Definitions;
using ModelDock.Features.Materialization;
using ModelDock.Features.Offline;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Inference;
using ModelDock.Repository;
using ModelDock.Runtime.Onnx;
using ModelDock.Tensors;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Features;

/// <summary>
/// A training set built by historical retrieval at time T and the inputs the server assembles after materializing up
/// to T hold the same tensors, value for value: TTLs, defaults, conversions and rows after T included.
/// </summary>
public sealed class TrainingServingConsistencyTests : IDisposable
{
    private static readonly DateTimeOffset T = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Its newest row before T is older than the product TTL, so both sides must use the defaults.</summary>
    private const long StaleProduct = 5;

    /// <summary>Never written: defaults on both sides.</summary>
    private const long UnknownProduct = 99;

    private static readonly long[] Customers = [1, 2, 3];
    private static readonly long[] Products = [1, 2, 3, 4, StaleProduct, UnknownProduct];

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task HistoricalAtT_MaterializedUpToT_SameTensorsAsTheServerAssembles()
    {
        var definitions = RankingFeatures.Create(_folder.Path);
        WriteSources();
        var time = new ManualTimeProvider(T);
        await using var store = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        await new FeatureMaterializer(definitions, store, _folder.Path, time)
            .MaterializeAsync(T.AddDays(-30), T, null, null, CancellationToken.None);
        var source = new OnlineFeatureSource(
            () => new OnlineFeatureService(definitions, store, time), _ => throw new InvalidOperationException("no registry"));
        var (declaration, signature, config) = LoadRanker();
        var plan = FeatureAssemblyPlan.Create(declaration, signature, config.MaxBatchSize, source);
        var keys = Customers.SelectMany(c => Products.Select(p => (Customer: c, Product: p))).ToList();

        var entities = EntityTable.FromRows(
            ["customer_id", "product_id", EntityTable.TimestampColumn],
            [.. keys.Select(k => new object?[] { k.Customer, k.Product, T.UtcDateTime })]);
        var history = new OfflineStore(_folder.Path).GetHistoricalFeatures(entities, HistoricalInputs.Request(plan, definitions));
        var training = HistoricalInputs.Build(plan, definitions, history, m => Assert.Fail($"{m.Feature.Reference} missing under fail"));

        var assembler = FeatureAssembler.Create("ranker", declaration, signature, config.MaxBatchSize, source);
        var served = await assembler.AssembleAsync(
            new InferenceRequest
            {
                ModelName = "ranker",
                Inputs =
                [
                    Tensor.FromArray("customer_id", DataType.Int64, [keys.Count], keys.Select(k => k.Customer).ToArray()),
                    Tensor.FromArray("product_id", DataType.Int64, [keys.Count], keys.Select(k => k.Product).ToArray()),
                ],
                Parameters = new Dictionary<string, object> { [FeatureAssembler.ReturnFeaturesParameter] = true },
            },
            CancellationToken.None);

        Assert.Equal(["dense", "category"], training.Select(t => t.Name));
        Assert.Equal(["features.dense", "features.category"], served.FeatureOutputs.Select(t => t.Name));
        for (var i = 0; i < training.Count; i++)
        {
            Assert.Equal(served.FeatureOutputs[i].DataType, training[i].DataType);
            Assert.Equal(served.FeatureOutputs[i].Shape, training[i].Shape);
            Assert.Equal(served.FeatureOutputs[i].Data.ToArray(), training[i].Data.ToArray());
        }

        // The comparison above only means something if the data exercises each rule: check what T selects.
        var dense = MemoryMarshal.Cast<byte, float>(training[0].Data.Span).ToArray();
        var category = MemoryMarshal.Cast<byte, long>(training[1].Data.Span).ToArray();
        for (var row = 0; row < keys.Count; row++)
        {
            var (customer, product) = keys[row];
            var fresh = product is not (StaleProduct or UnknownProduct);
            Assert.Equal((float)Age(customer, version: 2), dense[(row * 4) + 0]);
            Assert.Equal((float)Spend(customer, version: 2), dense[(row * 4) + 1]);
            Assert.Equal(fresh ? Price(product, version: 1) : -1f, dense[(row * 4) + 2]);
            Assert.Equal(fresh ? (float)Ctr(product, version: 1) : 0f, dense[(row * 4) + 3]);
            Assert.Equal(fresh ? Category(product, version: 1) : 0L, category[row]);
        }

        Assert.NotEqual(Age(1, version: 2), (long)(float)Age(1, version: 2));
    }

    /// <summary>Beyond 2^24, so INT64 into FP32 rounds: both sides must round alike.</summary>
    private static long Age(long customer, int version) => (1L << 24) + (customer * 10) + (version * 3) + 1;

    private static double Spend(long customer, int version) => (customer * 1.1) + (version / 3.0);

    private static float Price(long product, int version) => (product * 0.3f) + version;

    private static double Ctr(long product, int version) => 1.0 / (product + 3 + version);

    private static long Category(long product, int version) => (product * 7) + version;

    /// <summary>
    /// Customers: versions 0, 1, 2 before T (the newest wins, no TTL), 3 after T. Products: version 0 two hours before T,
    /// 1 ten minutes before T (within the 1 h TTL), 2 after T; the stale product has only version 0.
    /// </summary>
    private void WriteSources()
    {
        var customers = new List<(long Key, int Version, DateTimeOffset At)>();
        foreach (var c in Customers)
        {
            customers.AddRange([(c, 1, T.AddDays(-2)), (c, 0, T.AddDays(-3)), (c, 2, T.AddHours(-2)), (c, 3, T.AddMinutes(1))]);
        }

        ParquetRowWriter.Write(
            _folder.Combine("customers.parquet"),
            [
                ("customer_id", FeatureValueType.Int64, [.. customers.Select(r => FeatureValue.FromInt64(r.Key))]),
                ("event_timestamp", FeatureValueType.UnixTimestamp, [.. customers.Select(r => FeatureValue.FromTimestamp(r.At))]),
                ("age", FeatureValueType.Int64, [.. customers.Select(r => FeatureValue.FromInt64(Age(r.Key, r.Version)))]),
                ("spend_30d", FeatureValueType.Double, [.. customers.Select(r => FeatureValue.FromDouble(Spend(r.Key, r.Version)))]),
                ("email", FeatureValueType.String, [.. customers.Select(r => FeatureValue.FromString($"c{r.Key}@example.invalid"))]),
            ],
            customers.Count);

        var products = new List<(long Key, int Version, DateTimeOffset At)>();
        foreach (var p in Products.Where(p => p != UnknownProduct))
        {
            products.Add((p, 0, T.AddHours(-2)));
            if (p != StaleProduct)
            {
                products.AddRange([(p, 2, T.AddMinutes(30)), (p, 1, T.AddMinutes(-10))]);
            }
        }

        ParquetRowWriter.Write(
            _folder.Combine("products.parquet"),
            [
                ("product_id", FeatureValueType.Int64, [.. products.Select(r => FeatureValue.FromInt64(r.Key))]),
                ("event_timestamp", FeatureValueType.UnixTimestamp, [.. products.Select(r => FeatureValue.FromTimestamp(r.At))]),
                ("price", FeatureValueType.Float, [.. products.Select(r => FeatureValue.FromFloat(Price(r.Key, r.Version)))]),
                ("ctr", FeatureValueType.Double, [.. products.Select(r => FeatureValue.FromDouble(Ctr(r.Key, r.Version)))]),
                ("category", FeatureValueType.Int64, [.. products.Select(r => FeatureValue.FromInt64(Category(r.Key, r.Version)))]),
            ],
            products.Count);
    }

    private (FeatureDeclaration Declaration, Runtime.ModelSignature Signature, ModelConfig Config) LoadRanker()
    {
        var config = ModelConfigReader.Parse("config.yaml", RankingFeatures.Config(), "ranker");
        var file = _folder.Combine("ranker.onnx");
        File.WriteAllBytes(file, RankingFeatures.EchoModel());
        using var backend = OnnxModelBackend.Load(file, config.Session);
        return (config.Features!, SignatureResolver.Resolve(backend.Signature, config), config);
    }
}
