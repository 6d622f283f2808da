using Microsoft.AspNetCore.Builder;

namespace ModelDock.Server.Hosting;

/// <summary>
/// Every route <c>MapModelDock</c> maps, REST and gRPC, as one convention builder: <c>RequireAuthorization()</c>,
/// <c>RequireRateLimiting()</c> or <c>RequireHost()</c> apply to all of them.
/// </summary>
public sealed class ModelDockConventionBuilder : IEndpointConventionBuilder
{
    private readonly IReadOnlyList<IEndpointConventionBuilder> _builders;

    internal ModelDockConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders)
    {
        _builders = builders;
    }

    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in _builders)
        {
            builder.Add(convention);
        }
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var builder in _builders)
        {
            builder.Finally(finallyConvention);
        }
    }
}
