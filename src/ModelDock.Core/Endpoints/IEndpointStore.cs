namespace ModelDock.Endpoints;

/// <summary>
/// Endpoint revisions: SQLite in the data folder, or PostgreSQL shared by replicas. Writes are compare-and-set on the
/// revision, so two changes made at once never overwrite each other silently.
/// </summary>
internal interface IEndpointStore
{
    /// <summary>Revision 1 of a new endpoint with no deployments; Conflict when the name is taken.</summary>
    Task<EndpointDefinition> CreateAsync(string name, string by, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The current revision; NotFound for an unknown or deleted endpoint.</summary>
    Task<EndpointDefinition> GetAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<EndpointDefinition>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Every revision of an endpoint, oldest first.</summary>
    Task<IReadOnlyList<EndpointDefinition>> HistoryAsync(string name, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="next"/> as revision <c>current + 1</c>; Conflict when the endpoint moved past <paramref name="current"/> meanwhile.</summary>
    Task<EndpointDefinition> SaveAsync(EndpointDefinition next, long current, CancellationToken cancellationToken);

    Task DeleteAsync(string name, CancellationToken cancellationToken);

    /// <summary>Grows with every write to any endpoint: a server polls it to notice changes made elsewhere.</summary>
    Task<long> ChangeCounterAsync(CancellationToken cancellationToken);
}
