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
    public DeploymentSpec? Find(string deployment) => Deployments.FirstOrDefault(d => d.Name == deployment);
}
