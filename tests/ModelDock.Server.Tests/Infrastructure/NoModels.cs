using Microsoft.Extensions.DependencyInjection;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Serving;

namespace ModelDock.Server.Tests.Infrastructure;

/// <summary>A data plane and repository with no models, for tests of the host itself.</summary>
internal sealed class NoModels : IInferenceService, IModelRepositoryControl
{
    public bool IsReady => true;

    public static void AddTo(IServiceCollection services)
    {
        var none = new NoModels();
        services.AddSingleton<IInferenceService>(none);
        services.AddSingleton<IModelRepositoryControl>(none);
    }

    public ModelMetadata GetMetadata(string model, string? version) => throw ModelDockException.NotFound($"model '{model}' not found");

    public ModelConfiguration GetConfiguration(string model, string? version) => throw ModelDockException.NotFound($"model '{model}' not found");

    public bool IsModelReady(string model, string? version) => false;

    public ValueTask<InferenceResponse> InferAsync(InferenceRequest request, CancellationToken cancellationToken) =>
        throw ModelDockException.NotFound($"model '{request.ModelName}' not found");

    public IReadOnlyList<RepositoryIndexEntry> GetRepositoryIndex(bool readyOnly) => [];

    public Task LoadModelAsync(string model, CancellationToken cancellationToken) => throw ModelDockException.NotFound(model);

    public Task UnloadModelAsync(string model, CancellationToken cancellationToken) => throw ModelDockException.NotFound(model);

    public IReadOnlyList<ModelStatistics> GetStatistics(string? model, string? version) => [];
}
