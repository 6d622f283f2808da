namespace ModelDock.Repository;

/// <summary>Which version directories of a model are served (Triton's <c>version_policy</c>).</summary>
internal abstract record VersionPolicy
{
    public static VersionPolicy Latest(int count) => new LatestVersions(count);

    public static VersionPolicy All { get; } = new AllVersions();

    public static VersionPolicy Specific(IReadOnlyList<long> versions) => new SpecificPolicy(versions);

    /// <summary>N of the latest-N policy; null for the others.</summary>
    public virtual int? LatestCount => null;

    /// <summary>The versions of the specific policy; null for the others.</summary>
    public virtual IReadOnlyList<long>? SpecificVersions => null;

    /// <summary>The versions to serve out of those present on disk, ascending.</summary>
    public abstract IReadOnlyList<long> Select(IReadOnlyList<long> available);

    private sealed record LatestVersions(int Count) : VersionPolicy
    {
        public override int? LatestCount => Count;

        public override IReadOnlyList<long> Select(IReadOnlyList<long> available) =>
            available.Order().TakeLast(Count).ToList();

        public override string ToString() => $"latest {Count}";
    }

    private sealed record AllVersions : VersionPolicy
    {
        public override IReadOnlyList<long> Select(IReadOnlyList<long> available) => available.Order().ToList();

        public override string ToString() => "all";
    }

    private sealed record SpecificPolicy(IReadOnlyList<long> Versions) : VersionPolicy
    {
        public override IReadOnlyList<long>? SpecificVersions => Versions;

        public override IReadOnlyList<long> Select(IReadOnlyList<long> available) =>
            available.Where(Versions.Contains).Order().ToList();

        public override string ToString() => $"specific [{string.Join(", ", Versions)}]";
    }
}
