namespace ModelDock.Features.Online;

/// <summary>
/// Limits and caching of online reads, bound from <c>ModelDock:Features</c> (appsettings.json or
/// <c>MODELDOCK__FEATURES__*</c>) and validated at start-up.
/// </summary>
public sealed class OnlineFeatureOptions
{
    public const string Section = "ModelDock:Features";

    public const int DefaultMaxEntityRows = 10_000;

    /// <summary>
    /// Entity rows one request may ask for; a request with more is refused with 400 naming this limit, before
    /// any entity key is built. 10,000 rows of 50 features is an answer of about 30 MB of JSON.
    /// </summary>
    public int MaxEntityRows { get; set; } = DefaultMaxEntityRows;

    /// <summary>
    /// How long a decoded row may be answered from memory without asking the store; zero (the default) turns
    /// the row cache off. Writes through this process (push, materialization) take effect at once; writes by
    /// another process are seen at most this late.
    /// </summary>
    public TimeSpan RowCacheMaxAge { get; set; } = TimeSpan.Zero;

    /// <summary>Rows (entity key and view) the row cache holds at most.</summary>
    public int RowCacheCapacity { get; set; } = 100_000;

    /// <summary>Every invalid setting, each named as in configuration.</summary>
    internal List<string> Problems()
    {
        var problems = new List<string>();
        if (MaxEntityRows <= 0)
        {
            problems.Add($"MaxEntityRows must be positive (got {MaxEntityRows})");
        }

        if (RowCacheMaxAge < TimeSpan.Zero || RowCacheMaxAge > TimeSpan.FromMinutes(1))
        {
            problems.Add($"RowCacheMaxAge must be between 00:00:00 (off) and 00:01:00 (got {RowCacheMaxAge})");
        }

        if (RowCacheCapacity <= 0)
        {
            problems.Add($"RowCacheCapacity must be positive (got {RowCacheCapacity})");
        }

        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming every invalid setting.</summary>
    internal void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(Describe(problems));
        }
    }

    internal static string Describe(IEnumerable<string> problems) => "Invalid feature options (ModelDock:Features): " + string.Join("; ", problems) + ".";
}
