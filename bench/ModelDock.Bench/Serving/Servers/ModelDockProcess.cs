using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ModelDock.Bench.Serving.Servers;

/// <summary>
/// Deploys ModelDock as a user does: <c>modeldock serve --model-repository DIR --http-port P --grpc-port Q</c>
/// on a repository written for the run, in a process of its own, ready once every model answers its
/// readiness endpoint, with the flags of an observability level when one is given.
/// </summary>
internal static class ModelDockProcess
{
    public static async Task<LoopbackServer> StartAsync(ModelDockExecutable executable, BenchModel model, IReadOnlyList<ModelDockConfig> configs, ObservabilityLevel? observability = null)
    {
        var repository = await ModelDockRepository.WriteAsync(model, configs).ConfigureAwait(false);
        try
        {
            var http = new Uri($"http://127.0.0.1:{FreePort()}/");
            var grpc = new Uri($"http://127.0.0.1:{FreePort()}/");
            var start = executable.StartInfo(
            [
                "serve",
                "--model-repository", repository.ModelsPath,
                "--data-dir", repository.DataPath,
                "--http-port", http.Port.ToString(CultureInfo.InvariantCulture),
                "--grpc-port", grpc.Port.ToString(CultureInfo.InvariantCulture),
                .. (observability ?? ObservabilityLevel.Default).Arguments,
            ]);
            foreach (var (name, value) in observability?.Environment ?? new Dictionary<string, string>())
            {
                start.Environment[name] = value;
            }

            return await LoopbackServer.StartAsync(
                "modeldock " + string.Join(", ", configs.Select(c => c.ModelName)),
                start,
                async (server, cancellationToken) =>
                {
                    foreach (var config in configs)
                    {
                        await server.WaitForHttpAsync(new Uri(http, $"v2/models/{config.ModelName}/ready"), cancellationToken).ConfigureAwait(false);
                        await server.WaitForHttpAsync(new Uri(http, $"v2/models/{ModelDockRepository.EndpointName(config)}/ready"), cancellationToken).ConfigureAwait(false);
                    }

                    return (http, grpc);
                },
                repository.Dispose).ConfigureAwait(false);
        }
        catch
        {
            repository.Dispose();
            throw;
        }
    }

    /// <summary>A port nothing listens on now; the server binds it a moment later, which is racy only against other programs picking ports.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
