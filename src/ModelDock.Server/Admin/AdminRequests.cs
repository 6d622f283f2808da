using ModelDock.Registry;

namespace ModelDock.Server.Admin;

/// <summary>Body of <c>POST /api/endpoints</c>.</summary>
public sealed record CreateEndpointRequest(string Name);

/// <summary>Body of <c>PUT /api/endpoints/{endpoint}/deployments/{deployment}</c>.</summary>
/// <param name="Model"><c>MODEL:VERSION</c> or <c>MODEL@ALIAS</c>.</param>
/// <param name="Force">Deploy even when the version's signature differs from the other deployments'.</param>
public sealed record DeployRequest(string Model, bool Force = false);

/// <summary>Body of <c>PUT /api/endpoints/{endpoint}/traffic</c>: the percentage of every deployment that takes traffic, summing to 100.</summary>
public sealed record TrafficRequest(Dictionary<string, int> Weights);

/// <summary>Body of <c>PUT /api/models/{model}/aliases/{alias}</c>.</summary>
public sealed record AliasRequest(long Version);

/// <summary>Body of <c>POST /api/keys</c>.</summary>
/// <param name="Role"><c>admin</c> or <c>inference</c>.</param>
public sealed record CreateKeyRequest(string Name, string Role);

/// <summary>A created key: the token is shown this once and never stored.</summary>
public sealed record CreatedKey(string Id, string Name, string Role, string Token);

/// <summary>A model and its versions' numbers and aliases, as <c>GET /api/models</c> lists it.</summary>
public sealed record ModelSummary(string Model, IReadOnlyList<long> Versions, IReadOnlyDictionary<string, long> Aliases);

/// <summary>The <c>metadata</c> part of a version upload: what is recorded with the version.</summary>
public sealed record RegistrationMetadata(
    string? Description = null,
    Dictionary<string, string>? Tags = null,
    Dictionary<string, double>? Metrics = null,
    Dictionary<string, string>? Lineage = null);

/// <summary>A model's aliases now and every move of them, oldest first.</summary>
public sealed record AliasesReply(IReadOnlyDictionary<string, long> Aliases, IReadOnlyList<AliasMove> History);

/// <summary>Body of <c>PUT /api/endpoints/{endpoint}/mirror</c>: copy this percentage (at most 50; 0 turns it off) of live traffic to one deployment.</summary>
public sealed record MirrorRequest(string? Deployment, int Percent);

/// <summary>Body of <c>PUT /api/endpoints/{endpoint}/sticky-key</c>: <c>header:NAME</c>, <c>input:NAME</c>, or null to turn it off.</summary>
public sealed record StickyKeyRequest(string? Key);
