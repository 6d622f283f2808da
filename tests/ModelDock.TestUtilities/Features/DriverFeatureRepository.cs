using ModelDock.Features.Definitions;

namespace ModelDock.Testing.Features;

/// <summary>
/// A small feature repository for online tests: drivers (INT64 key) with a stats view under a 2-hour TTL
/// and a profile view without one, customers (STRING key) with their own view, and a service over both
/// driver views.
/// </summary>
public static class DriverFeatureRepository
{
    public static readonly TimeSpan StatsTtl = TimeSpan.FromHours(2);

    public static FeatureRepository Create(string folder) => new(
        folder,
        [
            new Entity("driver", [new JoinKey("driver_id", FeatureValueType.Int64)], "A driver."),
            new Entity("customer", [new JoinKey("customer_id", FeatureValueType.String)], "A customer."),
        ],
        [
            new DataSource("driver_stats_source", "driver_stats.parquet", "event_timestamp", "created"),
            new DataSource("driver_profile_source", "driver_profile.parquet", "event_timestamp", null),
            new DataSource("customer_source", "customer.parquet", "event_timestamp", null),
        ],
        [
            View("driver_stats", "driver", StatsTtl, "driver_stats_source",
                new FeatureField("conv_rate", FeatureValueType.Double), new FeatureField("trips", FeatureValueType.Int64)),
            View("driver_profile", "driver", TimeSpan.Zero, "driver_profile_source",
                new FeatureField("name", FeatureValueType.String), new FeatureField("active", FeatureValueType.Bool)),
            View("customer_stats", "customer", TimeSpan.Zero, "customer_source",
                new FeatureField("trips", FeatureValueType.Int64)),
        ],
        [
            new FeatureService(
                "driver_model_v1",
                [new("driver_stats", "conv_rate"), new("driver_profile", "name")],
                "Inputs of the driver model.",
                new Dictionary<string, string>()),
        ]);

    private static FeatureView View(string name, string entity, TimeSpan ttl, string source, params FeatureField[] schema) =>
        new(name, [entity], ttl, source, Online: true, schema, new Dictionary<string, string>());
}
