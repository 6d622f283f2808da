using ModelDock.Features.Definitions;
using ModelDock.Features.Online;

namespace ModelDock.Bench.Features;

/// <summary>The benchmark's feature set: one INT64 entity, 5 views of 10 features (8 DOUBLE, 1 INT64, 1 STRING).</summary>
internal static class FeatureBenchData
{
    public const int Views = 5;
    public const int FeaturesPerView = 10;

    public static readonly string[] FeatureReferences =
        [.. Enumerable.Range(0, Views).SelectMany(v => FeatureNames(v).Select(f => $"{ViewName(v)}:{f}"))];

    public static string ViewName(int view) => $"user_view_{view}";

    public static string[] FeatureNames(int view) => [.. Enumerable.Range(0, FeaturesPerView).Select(f => $"v{view}_f{f}")];

    public static FeatureRepository Repository(string folder) => new(
        folder,
        [new Entity("user", [new JoinKey("user_id", FeatureValueType.Int64)], "A user.")],
        [new DataSource("user_source", "users.parquet", "event_timestamp", null)],
        [.. Enumerable.Range(0, Views).Select(v => new FeatureView(
            ViewName(v),
            ["user"],
            TimeSpan.Zero,
            "user_source",
            Online: true,
            [.. FeatureNames(v).Select((name, f) => new FeatureField(name, TypeOf(f)))],
            new Dictionary<string, string>()))],
        []);

    public static async Task PopulateAsync(IOnlineStore store, int users, DateTimeOffset at)
    {
        for (var v = 0; v < Views; v++)
        {
            var rows = Enumerable.Range(0, users).Select(u => new OnlineWriteRow(
                EntityKey.Create("user_id", FeatureValue.FromInt64(u)),
                [.. Enumerable.Range(0, FeaturesPerView).Select(f => ValueOf(u, v, f))],
                at)).ToArray();
            foreach (var chunk in rows.Chunk(2_000))
            {
                await store.WriteAsync(ViewName(v), FeatureNames(v), chunk, default);
            }
        }
    }

    private static FeatureValueType TypeOf(int feature) => feature switch
    {
        8 => FeatureValueType.Int64,
        9 => FeatureValueType.String,
        _ => FeatureValueType.Double,
    };

    private static FeatureValue ValueOf(int user, int view, int feature) => feature switch
    {
        8 => FeatureValue.FromInt64((user * 31L) + view),
        9 => FeatureValue.FromString($"segment-{(user + view) % 17}"),
        _ => FeatureValue.FromDouble((user * 0.001) + (view * 10) + feature),
    };
}
