namespace ModelDock.Access;

/// <summary>An API key as listed: everything but its secret, which is stored only as a hash.</summary>
/// <param name="Id">The public part of the key, which finds it; the secret part proves it.</param>
public sealed record ApiKeyInfo(string Id, string Name, ApiKeyRole Role, string CreatedBy, DateTimeOffset CreatedAt);
