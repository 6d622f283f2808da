using ModelDock.Features.Definitions;
using ModelDock.Features.Online;

namespace ModelDock.Bench.Features;

/// <summary>
/// The benchmark's feature set, every view 10 features (8 DOUBLE, 1 INT64, 1 STRING): a user (INT64 key) with
/// 5 views, and a product (INT64 key) with 3 views, the candidates a recommender scores for one user.
/// </summary>
internal static class FeatureBenchData
{
    public const int Views = 5;
    public const int ProductViews = 3;
    public const int FeaturesPerView = 10;

    public static readonly string[] FeatureReferences =
        [.. Enumerable.Range(0, Views).SelectMany(v => FeatureNames(v).Select(f => $"{ViewName(v)}:{f}"))];

    public static readonly string[] ProductFeatureReferences =
        [.. Enumerable.Range(Views, ProductViews).SelectMany(v => FeatureNames(v).Select(f => $"{ViewName(v)}:{f}"))];

    public static string ViewName(int view) => view < Views ? $"user_view_{view}" : $"product_view_{view - Views}";

    public static string[] FeatureNames(int view) => [.. Enumerable.Range(0, FeaturesPerView).Select(f => $"v{view}_f{f}")];

    public static FeatureRepository Repository(string folder) => new(
        folder,
        [
            new Entity("user", [new JoinKey("user_id", FeatureValueType.Int64)], "A user."),
            new Entity("product", [new JoinKey("product_id", FeatureValueType.Int64)], "A product."),
        ],
        [new DataSource("user_source", "users.parquet", "event_timestamp", null), new DataSource("product_source", "products.parquet", "event_timestamp", null)],
        [.. Enumerable.Range(0, Views + ProductViews).Select(v => new FeatureView(
            ViewName(v),
            [v < Views ? "user" : "product"],
            TimeSpan.Zero,
            v < Views ? "user_source" : "product_source",
            Online: true,
            [.. FeatureNames(v).Select((name, f) => new FeatureField(name, TypeOf(f)))],
            new Dictionary<string, string>()))],
        []);

    public static Task PopulateAsync(IOnlineStore store, int users, DateTimeOffset at) => PopulateAsync(store, "user_id", 0, Views, users, at);

    public static Task PopulateProductsAsync(IOnlineStore store, int products, DateTimeOffset at) =>
        PopulateAsync(store, "product_id", Views, ProductViews, products, at);

    private static async Task PopulateAsync(IOnlineStore store, string joinKey, int firstView, int views, int entities, DateTimeOffset at)
    {
        for (var v = firstView; v < firstView + views; v++)
        {
            var rows = Enumerable.Range(0, entities).Select(u => new OnlineWriteRow(
                EntityKey.Create(joinKey, FeatureValue.FromInt64(u)),
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
