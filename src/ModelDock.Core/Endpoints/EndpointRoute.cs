using System.Globalization;
using System.Text;
using ModelDock.Inference;
using ModelDock.Registry;

namespace ModelDock.Endpoints;

/// <summary>
/// An endpoint as the router sees it: its deployments, where each is served, the cumulative traffic bounds, the
/// mirror deployment and the sticky key.
/// </summary>
internal sealed class EndpointRoute
{
    private readonly RoutedDeployment[] _deployments;
    private readonly int[] _upperBounds;
    private readonly StickyKey? _sticky;
    private readonly byte[] _stickySalt;

    public EndpointRoute(EndpointDefinition definition)
    {
        Definition = definition;
        _deployments = [.. definition.Deployments.Select(d => new RoutedDeployment(
            d.Name, d.Model, RegistryModelSource.ServedName(d.Model), d.Version.ToString(CultureInfo.InvariantCulture), definition.Traffic.GetValueOrDefault(d.Name)))];
        var bound = 0;
        _upperBounds = [.. _deployments.Select(d => bound += d.Percent)];
        Primary = _deployments.OrderByDescending(d => d.Percent).FirstOrDefault();
        if (definition.Mirror is { Percent: > 0 } mirror && Find(mirror.Deployment) is { } target)
        {
            (Mirror, MirrorPercent) = (target, Math.Min(mirror.Percent, MirrorTraffic.MaxPercent));
        }

        // A key this server cannot read (written by a newer one) routes at random rather than stopping the endpoint.
        _sticky = definition.StickyKey is { } text && StickyKey.TryParse(text, out var sticky, out _) ? sticky : null;
        _stickySalt = Encoding.UTF8.GetBytes(definition.Name);
    }

    public EndpointDefinition Definition { get; }

    /// <summary>The deployment with the most traffic: what metadata, config and readiness describe.</summary>
    public RoutedDeployment? Primary { get; }

    public IReadOnlyList<RoutedDeployment> Deployments => _deployments;

    /// <summary>The deployment that gets copies of <see cref="MirrorPercent"/>% of the live requests; null when none.</summary>
    public RoutedDeployment? Mirror { get; }

    public int MirrorPercent { get; }

    /// <summary>The header whose value is the sticky key; null when the key is an input or there is none.</summary>
    public string? StickyHeader => _sticky is { IsHeader: true } sticky ? sticky.Name : null;

    /// <summary>The live deployment for a request that pins none: by its sticky value when it has one, else by <paramref name="random"/>.</summary>
    public RoutedDeployment? Pick(InferenceRequest request, ITrafficRandom random) =>
        Pick(_sticky is not null && _sticky.TryDraw(request, _stickySalt, out var percent) ? percent : random.NextPercent());

    /// <summary>The deployment a draw in [0, 100) lands on; null when no deployment takes traffic.</summary>
    public RoutedDeployment? Pick(int percent)
    {
        for (var i = 0; i < _deployments.Length; i++)
        {
            if (percent < _upperBounds[i])
            {
                return _deployments[i];
            }
        }

        return null;
    }

    public RoutedDeployment? Find(string name) => Array.Find(_deployments, d => d.Name == name);
}

/// <param name="ServedName">The model name in the serving table.</param>
internal sealed record RoutedDeployment(string Name, string Model, string ServedName, string Version, int Percent);
