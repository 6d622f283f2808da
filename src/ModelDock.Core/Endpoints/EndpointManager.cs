using ModelDock.Errors;
using ModelDock.Registry;
using ModelDock.Tensors;

namespace ModelDock.Endpoints;

/// <summary>
/// Changes to endpoints, each validated whole against the registry before it is written as a new revision: a change
/// that fails leaves the endpoint exactly as it was and says which field is wrong.
/// </summary>
internal sealed class EndpointManager
{
    private readonly IEndpointStore _store;
    private readonly ModelRegistry _registry;
    private readonly TimeProvider _time;
    private readonly Func<string, long, CancellationToken, Task>? _prepare;

    /// <param name="prepare">Loads and warms a version before a deploy of it is written (a server does; the CLI leaves it to the servers).</param>
    public EndpointManager(IEndpointStore store, ModelRegistry registry, TimeProvider time, Func<string, long, CancellationToken, Task>? prepare = null)
    {
        _store = store;
        _registry = registry;
        _time = time;
        _prepare = prepare;
    }

    public IEndpointStore Store => _store;

    public Task<EndpointDefinition> CreateAsync(string name, string by, CancellationToken cancellationToken)
    {
        ModelRegistry.CheckName(name, "endpoint");
        return _store.CreateAsync(name, by, _time.GetUtcNow(), cancellationToken);
    }

    /// <summary>
    /// Adds a deployment or points an existing one at another version. The first deployment takes all traffic; a later
    /// one takes none until the traffic is changed. The version's signature must match the other deployments' unless
    /// <paramref name="force"/>.
    /// </summary>
    /// <param name="modelReference"><c>MODEL:VERSION</c> or <c>MODEL@ALIAS</c>; an alias is resolved now and the version pinned.</param>
    public async Task<EndpointDefinition> DeployAsync(string endpoint, string deployment, string modelReference, bool force, string by, CancellationToken cancellationToken)
    {
        ModelRegistry.CheckName(deployment, "deployment");
        var reference = ModelReference.Parse(modelReference, "model", requireSelector: true);
        var (model, alias) = (reference.Model, reference.IsAlias ? reference.Selector : null);
        ModelVersionInfo version;
        try
        {
            version = await _registry.GetAsync(model, reference.Selector!, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelDockException e) when (e.Kind == ErrorKind.NotFound)
        {
            throw ModelDockException.InvalidInput($"model: {e.Message}");
        }

        var current = await _store.GetAsync(endpoint, cancellationToken).ConfigureAwait(false);
        if (!force)
        {
            foreach (var other in current.Deployments.Where(d => d.Name != deployment))
            {
                var otherVersion = await _registry.Store.GetVersionAsync(other.Model, other.Version, cancellationToken).ConfigureAwait(false);
                if ((Incompatibility(otherVersion.Signature.Inputs, version.Signature.Inputs, "input") ?? Incompatibility(otherVersion.Signature.Outputs, version.Signature.Outputs, "output")) is { } problem)
                {
                    throw ModelDockException.InvalidInput(
                        $"model: {model}:{version.Version} does not fit endpoint '{endpoint}', whose deployment '{other.Name}' serves {other.Model}:{other.Version}: {problem}; deploy with --force to allow it");
                }
            }
        }

        if (_prepare is not null)
        {
            await _prepare(model, version.Version, cancellationToken).ConfigureAwait(false);
        }

        var spec = new DeploymentSpec(deployment, model, version.Version, alias);
        var replaced = current.Find(deployment) is not null;
        var deployments = replaced
            ? current.Deployments.Select(d => d.Name == deployment ? spec : d).ToList()
            : [.. current.Deployments, spec];
        var traffic = current.Deployments.Count == 0
            ? new Dictionary<string, int> { [deployment] = 100 }
            : new Dictionary<string, int>(current.Traffic.ToDictionary(), StringComparer.Ordinal) { [deployment] = current.Traffic.GetValueOrDefault(deployment) };
        var change = $"deploy {deployment} = {model}:{version.Version}{(alias is null ? string.Empty : $" (@{alias})")}";
        return await SaveAsync(current, current with { Deployments = deployments, Traffic = traffic }, change, by, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the percentage of every deployment at once: each named deployment must exist, and the percentages must sum to 100.</summary>
    public async Task<EndpointDefinition> SetTrafficAsync(string endpoint, IReadOnlyDictionary<string, int> weights, string by, CancellationToken cancellationToken)
    {
        var current = await _store.GetAsync(endpoint, cancellationToken).ConfigureAwait(false);
        foreach (var (name, weight) in weights)
        {
            if (current.Find(name) is null)
            {
                throw ModelDockException.InvalidInput(
                    $"traffic: endpoint '{endpoint}' has no deployment '{name}' (it has {Names(current)})");
            }

            if (weight is < 0 or > 100)
            {
                throw ModelDockException.InvalidInput($"traffic: {name}={weight} must be between 0 and 100");
            }
        }

        if (weights.Values.Sum() != 100)
        {
            throw ModelDockException.InvalidInput(
                $"traffic: the percentages sum to {weights.Values.Sum()}, not 100 ({string.Join(", ", weights.Select(w => $"{w.Key}={w.Value}"))})");
        }

        var traffic = current.Deployments.ToDictionary(d => d.Name, d => weights.GetValueOrDefault(d.Name), StringComparer.Ordinal);
        var change = "traffic " + string.Join(" ", traffic.Select(t => $"{t.Key}={t.Value}"));
        return await SaveAsync(current, current with { Traffic = traffic }, change, by, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies <see cref="MirrorTraffic.Percent"/>% of the live requests to a deployment of the endpoint, or stops
    /// mirroring (null, or a percent of 0). Requests pinned to a deployment and requests the mirror deployment serves
    /// live are not copied.
    /// </summary>
    public async Task<EndpointDefinition> SetMirrorAsync(string endpoint, MirrorTraffic? mirror, string by, CancellationToken cancellationToken)
    {
        var current = await _store.GetAsync(endpoint, cancellationToken).ConfigureAwait(false);
        if (mirror is not null)
        {
            if (mirror.Percent < 0)
            {
                throw ModelDockException.InvalidInput($"mirror: percent {mirror.Percent} is negative (0 turns mirroring off)");
            }

            if (mirror.Percent > MirrorTraffic.MaxPercent)
            {
                throw ModelDockException.InvalidInput($"mirror: percent {mirror.Percent} is above {MirrorTraffic.MaxPercent}");
            }

            if (current.Find(mirror.Deployment) is null)
            {
                throw ModelDockException.InvalidInput(
                    $"mirror: endpoint '{endpoint}' has no deployment '{mirror.Deployment}' (it has {Names(current)})");
            }
        }

        var next = mirror is { Percent: > 0 } ? mirror : null;
        var change = next is null ? "mirror off" : $"mirror {next.Deployment}={next.Percent}";
        return await SaveAsync(current, current with { Mirror = next }, change, by, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Keeps each client on one deployment while the split is unchanged: <c>header:NAME</c> routes by a request header
    /// (gRPC metadata), <c>input:NAME</c> by the first element of an INT64, INT32 or BYTES input, which every deployment
    /// taking traffic must have. Null or empty routes every request at random again. Requests without the key are drawn
    /// at random.
    /// </summary>
    public async Task<EndpointDefinition> SetStickyKeyAsync(string endpoint, string? key, string by, CancellationToken cancellationToken)
    {
        var current = await _store.GetAsync(endpoint, cancellationToken).ConfigureAwait(false);
        var sticky = string.IsNullOrEmpty(key) ? null : StickyKey.Parse(key);
        if (sticky is { IsHeader: false })
        {
            foreach (var deployment in current.Deployments.Where(d => current.Traffic.GetValueOrDefault(d.Name) > 0))
            {
                var version = await _registry.Store.GetVersionAsync(deployment.Model, deployment.Version, cancellationToken).ConfigureAwait(false);
                var inputs = version.Signature.Inputs;
                var input = inputs.FirstOrDefault(i => i.Name == sticky.Name);
                if (input is null)
                {
                    throw ModelDockException.InvalidInput(
                        $"sticky: deployment '{deployment.Name}' ({deployment.Model}:{deployment.Version}) has no input '{sticky.Name}' (it has {string.Join(", ", inputs.Select(i => i.Name))})");
                }

                if (!StickyKey.Supports(input.DataType))
                {
                    throw ModelDockException.InvalidInput(
                        $"sticky: input '{sticky.Name}' of deployment '{deployment.Name}' is {input.DataType.ToWireName()}; a sticky input must be INT64, INT32 or BYTES");
                }
            }
        }

        var text = sticky?.ToString();
        return await SaveAsync(current, current with { StickyKey = text }, text is null ? "sticky off" : $"sticky {text}", by, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a deployment that takes no traffic and is not the mirror deployment.</summary>
    public async Task<EndpointDefinition> RemoveDeploymentAsync(string endpoint, string deployment, string by, CancellationToken cancellationToken)
    {
        var current = await _store.GetAsync(endpoint, cancellationToken).ConfigureAwait(false);
        if (current.Find(deployment) is null)
        {
            throw ModelDockException.NotFound($"endpoint '{endpoint}' has no deployment '{deployment}' (it has {Names(current)})");
        }

        if (current.Traffic.GetValueOrDefault(deployment) > 0)
        {
            throw new ModelDockException(
                ErrorKind.Conflict,
                $"deployment '{deployment}' of endpoint '{endpoint}' takes {current.Traffic[deployment]}% of the traffic; move it elsewhere first");
        }

        // Refused rather than silently ending the mirror: whoever set it up is comparing with it.
        if (current.Mirror?.Deployment == deployment)
        {
            throw new ModelDockException(
                ErrorKind.Conflict,
                $"deployment '{deployment}' of endpoint '{endpoint}' is the mirror deployment ({current.Mirror.Percent}% of the traffic is copied to it); turn mirroring off first");
        }

        var deployments = current.Deployments.Where(d => d.Name != deployment).ToList();
        var traffic = current.Traffic.Where(t => t.Key != deployment).ToDictionary(StringComparer.Ordinal);
        return await SaveAsync(current, current with { Deployments = deployments, Traffic = traffic }, $"remove {deployment}", by, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes the revision before the current one current again (deployments, traffic, mirror and sticky key), as a new revision.</summary>
    public async Task<EndpointDefinition> RollbackAsync(string endpoint, string by, CancellationToken cancellationToken)
    {
        var history = await _store.HistoryAsync(endpoint, cancellationToken).ConfigureAwait(false);
        var current = await _store.GetAsync(endpoint, cancellationToken).ConfigureAwait(false);
        var previous = history.LastOrDefault(r => r.Revision < current.Revision)
            ?? throw new ModelDockException(ErrorKind.Conflict, $"endpoint '{endpoint}' has no earlier revision to roll back to");
        var restored = current with { Deployments = previous.Deployments, Traffic = previous.Traffic, Mirror = previous.Mirror, StickyKey = previous.StickyKey };
        return await SaveAsync(current, restored, $"rollback to revision {previous.Revision}", by, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a registered version unless an endpoint deploys it (Conflict naming the endpoint and deployment) or an alias points at it.</summary>
    public async Task DeleteVersionAsync(string model, long version, CancellationToken cancellationToken)
    {
        var users = (await _store.ListAsync(cancellationToken).ConfigureAwait(false))
            .SelectMany(e => e.Deployments.Where(d => d.Model == model && d.Version == version).Select(d => $"'{e.Name}' (deployment '{d.Name}')"))
            .ToList();
        if (users.Count > 0)
        {
            throw new ModelDockException(
                ErrorKind.Conflict, $"version {version} of model '{model}' is deployed on endpoint {string.Join(", ", users)}; deploy another version there first");
        }

        await _registry.Store.DeleteVersionAsync(model, version, cancellationToken).ConfigureAwait(false);
    }

    private Task<EndpointDefinition> SaveAsync(EndpointDefinition current, EndpointDefinition next, string change, string by, CancellationToken cancellationToken) =>
        _store.SaveAsync(next with { ChangedBy = by, ChangedAt = _time.GetUtcNow(), Change = change }, current.Revision, cancellationToken);

    private static string Names(EndpointDefinition endpoint) =>
        endpoint.Deployments.Count == 0 ? "none" : string.Join(", ", endpoint.Deployments.Select(d => d.Name));

    /// <summary>Why two signatures' tensors differ (names, datatypes, ranks, fixed dimensions), or null when a client of one can call the other.</summary>
    private static string? Incompatibility(IReadOnlyList<TensorSpec> existing, IReadOnlyList<TensorSpec> proposed, string what)
    {
        foreach (var tensor in existing)
        {
            var match = proposed.FirstOrDefault(p => p.Name == tensor.Name);
            if (match is null)
            {
                return $"{what} '{tensor.Name}' is missing";
            }

            if (match.DataType != tensor.DataType || match.Shape.Length != tensor.Shape.Length
                || match.Shape.Zip(tensor.Shape).Any(d => d.First != d.Second && d.First != -1 && d.Second != -1))
            {
                return $"{what} '{tensor.Name}' is {match.DataType.ToWireName()}[{string.Join(",", match.Shape)}], not {tensor.DataType.ToWireName()}[{string.Join(",", tensor.Shape)}]";
            }
        }

        return null;
    }
}
