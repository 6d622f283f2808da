using Xunit;

namespace ModelDock.Testing;

/// <summary>
/// External servers the integration tests use, found through environment variables. A missing server
/// skips its tests with the reason, unless MODELDOCK_REQUIRE_SERVICES=1 (as in CI), where it fails them.
/// </summary>
public static class TestServices
{
    public const string RedisVariable = "MODELDOCK_TEST_REDIS";

    public const string PostgresVariable = "MODELDOCK_TEST_POSTGRES";

    public const string AzuriteVariable = "MODELDOCK_TEST_AZURITE";

    public const string PrometheusVariable = "MODELDOCK_TEST_PROMETHEUS";

    public const string PromtoolVariable = "MODELDOCK_TEST_PROMTOOL";

    public static bool Required => Environment.GetEnvironmentVariable("MODELDOCK_REQUIRE_SERVICES") == "1";

    /// <summary>host:port of a Redis server the tests may flush, or null.</summary>
    public static string? Redis => Value(RedisVariable);

    /// <summary>The Redis address; throws when it is missing, so a required service fails the test.</summary>
    public static string RequireRedis() => Redis ?? throw Missing(RedisVariable);

    /// <summary>An Npgsql connection string to a PostgreSQL server where the tests may create and drop schemas, or null.</summary>
    public static string? Postgres => Value(PostgresVariable);

    public static string RequirePostgres() => Postgres ?? throw Missing(PostgresVariable);

    /// <summary>An Azure Storage connection string (Azurite's) where the tests may create and delete containers, or null.</summary>
    public static string? Azurite => Value(AzuriteVariable);

    public static string RequireAzurite() => Azurite ?? throw Missing(AzuriteVariable);

    /// <summary>The path of a Prometheus server executable the tests may start, or null.</summary>
    public static string RequirePrometheus() => Value(PrometheusVariable) ?? throw Missing(PrometheusVariable);

    /// <summary>The path of Prometheus's promtool, or null.</summary>
    public static string RequirePromtool() => Value(PromtoolVariable) ?? throw Missing(PromtoolVariable);

    internal static string? SkipReason(string variable) =>
        Value(variable) is null && !Required
            ? $"{variable} is not set; set it to a server's address (or run .ci/run) to run this test."
            : null;

    private static string? Value(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v ? v : null;

    private static InvalidOperationException Missing(string variable) =>
        new($"{variable} is not set but MODELDOCK_REQUIRE_SERVICES=1 requires it.");
}

/// <summary>A fact that needs a Redis server: skipped with the reason when none is configured and none is required.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        Skip = TestServices.SkipReason(TestServices.RedisVariable);
    }
}

/// <summary>A fact that needs a PostgreSQL server: skipped with the reason when none is configured and none is required.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        Skip = TestServices.SkipReason(TestServices.PostgresVariable);
    }
}

/// <summary>A fact that needs Azurite (or Azure Storage): skipped with the reason when none is configured and none is required.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        Skip = TestServices.SkipReason(TestServices.AzuriteVariable);
    }
}

/// <summary>A fact that needs several servers, named by their variables: skipped with the first missing one's reason.</summary>
public sealed class ServicesFactAttribute : FactAttribute
{
    public ServicesFactAttribute(params string[] variables)
    {
        Skip = variables.Select(TestServices.SkipReason).FirstOrDefault(reason => reason is not null);
    }
}
