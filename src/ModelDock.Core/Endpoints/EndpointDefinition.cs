namespace ModelDock.Endpoints;

/// <summary>
/// An endpoint as of one revision: its deployments and the percentage of traffic each takes (summing to 100 once it
/// has any). Every change writes a new revision, so the previous one is always there to roll back to.
/// </summary>
public sealed record EndpointDefinition(
    string Name,
    long Revision,
    IReadOnlyList<DeploymentSpec> Deployments,
    IReadOnlyDictionary<string, int> Traffic,
    string ChangedBy,
    DateTimeOffset ChangedAt,
    string Change)
{
    /// <summary>The deployment that also gets a copy of part of the live traffic, its answers discarded; null when none does.</summary>
    public MirrorTraffic? Mirror { get; init; }

    /// <summary>
    /// What keeps a client on one deployment while the split is unchanged: <c>header:NAME</c> or <c>input:NAME</c>
    /// (see <see cref="Endpoints.StickyKey"/>); null draws every request at random.
    /// </summary>
    public string? StickyKey { get; init; }

    public DeploymentSpec? Find(string deployment) => Deployments.FirstOrDefault(d => d.Name == deployment);
}

/// <summary>Copies <paramref name="Percent"/>% of an endpoint's live requests to <paramref name="Deployment"/>.</summary>
/// <param name="Percent">1 to <see cref="MaxPercent"/>.</param>
public sealed record MirrorTraffic(string Deployment, int Percent)
{
    /// <summary>The most an endpoint may mirror, as Azure ML allows: a mirror doubles the work of what it copies.</summary>
    public const int MaxPercent = 50;
}
