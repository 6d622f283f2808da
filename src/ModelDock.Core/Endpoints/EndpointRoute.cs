using System.Globalization;
using ModelDock.Registry;

namespace ModelDock.Endpoints;

/// <summary>An endpoint as the router sees it: its deployments, where each is served, and the cumulative traffic bounds.</summary>
internal sealed class EndpointRoute
{
    private readonly RoutedDeployment[] _deployments;
    private readonly int[] _upperBounds;

    public EndpointRoute(EndpointDefinition definition)
    {
        Definition = definition;
        _deployments = [.. definition.Deployments.Select(d => new RoutedDeployment(
            d.Name, d.Model, RegistryModelSource.ServedName(d.Model), d.Version.ToString(CultureInfo.InvariantCulture), definition.Traffic.GetValueOrDefault(d.Name)))];
        var bound = 0;
        _upperBounds = [.. _deployments.Select(d => bound += d.Percent)];
        Primary = _deployments.OrderByDescending(d => d.Percent).FirstOrDefault();
    }

    public EndpointDefinition Definition { get; }

    /// <summary>The deployment with the most traffic: what metadata, config and readiness describe.</summary>
    public RoutedDeployment? Primary { get; }

    public IReadOnlyList<RoutedDeployment> Deployments => _deployments;

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
