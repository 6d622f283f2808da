using Microsoft.Extensions.DependencyInjection;

namespace ModelDock.Server.Hosting;

/// <summary>Returned by <c>AddModelDock</c>, so model sources and stores are added in one chain.</summary>
public interface IModelDockBuilder
{
    IServiceCollection Services { get; }
}
