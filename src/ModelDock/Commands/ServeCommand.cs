using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelDock.Features.Definitions;
using ModelDock.Features.Registry;
using ModelDock.Onnx;
using ModelDock.Repository;
using ModelDock.Server.Features;
using ModelDock.Server.Hosting;

namespace ModelDock.Cli.Commands;

/// <summary>
/// <c>modeldock serve</c>: the model repository over OIP REST and gRPC (Triton's flag names and ports),
/// plus the online feature API when feature definitions have been applied to the data folder.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var repository = new Option<DirectoryInfo?>("--model-repository") { Description = "Folder with <model>/<version>/model.onnx and optional <model>/config.json or config.yaml." };
        var demo = new Option<bool>("--demo") { Description = "Serve demo models that ModelDock writes into <data-dir>/demo-models." };
        var host = new Option<string>("--host") { Description = "Address to listen on: an IP address, localhost or *.", DefaultValueFactory = _ => "127.0.0.1" };
        var httpPort = new Option<int>("--http-port") { Description = "REST port (0 = any free port).", DefaultValueFactory = _ => 8000 };
        var grpcPort = new Option<int>("--grpc-port") { Description = "gRPC port (0 = any free port).", DefaultValueFactory = _ => 8001 };
        var pollSeconds = new Option<double>("--repository-poll-secs") { Description = "Seconds between scans of the model repository for new, changed or removed versions; 0 turns polling off.", DefaultValueFactory = _ => 5 };
        var maxBody = new Option<long>("--max-request-bytes") { Description = "Largest REST request body accepted (413 above it).", DefaultValueFactory = _ => ModelDockServerOptions.DefaultMaxBytes };
        var grpcMax = new Option<int>("--grpc-max-message-bytes") { Description = "Largest gRPC message, both directions.", DefaultValueFactory = _ => (int)ModelDockServerOptions.DefaultMaxBytes };
        var dataDir = CommonOptions.DataDir();
        var store = new OnlineStoreOptions();
        var command = new Command("serve", "Serves models over the Open Inference Protocol (REST and gRPC).")
        {
            repository, demo, host, httpPort, grpcPort, pollSeconds, maxBody, grpcMax, dataDir,
        };
        store.AddTo(command);
        command.Validators.Add(result =>
        {
            if ((result.GetValue(repository) is null) == !result.GetValue(demo))
            {
                result.AddError("Give exactly one of --model-repository DIR or --demo.");
            }

            if (result.GetValue(pollSeconds) < 0)
            {
                result.AddError("--repository-poll-secs must be 0 (off) or positive.");
            }
        });

        command.SetAction(async (parse, cancellationToken) =>
        {
            var data = parse.GetValue(dataDir)!.FullName;
            var modelRepository = parse.GetValue(repository)?.FullName ?? WriteDemoRepository(data);
            var poll = parse.GetValue(pollSeconds);
            var serverOptions = new ModelDockServerOptions
            {
                Host = parse.GetValue(host)!,
                HttpPort = parse.GetValue(httpPort),
                GrpcPort = parse.GetValue(grpcPort),
                MaxRequestBodyBytes = parse.GetValue(maxBody),
                GrpcMaxMessageBytes = parse.GetValue(grpcMax),
            };
            serverOptions.Validate();

            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
            var log = loggers.CreateLogger("ModelDock.Serve");
            await using var models = new ModelServer(
                new ModelRepositoryOptions
                {
                    RepositoryPath = modelRepository,
                    PollInterval = poll > 0 ? TimeSpan.FromSeconds(poll) : null,
                },
                loggers.CreateLogger<ModelServer>(),
                TimeProvider.System);
            await models.StartAsync(cancellationToken);

            var features = LoadAppliedFeatures(data);
            var onlineStore = features is null ? null : await store.OpenAsync(parse, data);
            await using var web = ModelDockHost.Create(
                serverOptions,
                models,
                builder =>
                {
                    // Per-request ASP.NET logs cost throughput and say nothing the statistics extension does not.
                    builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
                    if (features is not null)
                    {
                        builder.Services.AddFeatureServing(features, onlineStore!, data);
                    }
                },
                app =>
                {
                    if (features is not null)
                    {
                        app.MapFeatureEndpoints();
                    }
                });
            await web.StartAsync(cancellationToken);
            log.LogInformation(
                "serving {Repository}: REST on {Http}, gRPC on {Grpc}{Features}",
                modelRepository,
                web.HttpAddress,
                web.GrpcAddress,
                features is null ? string.Empty : $", {features.FeatureViews.Count} feature views on the {onlineStore!.Name} online store");
            await web.App.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private static string WriteDemoRepository(string dataDir)
    {
        var path = Path.Combine(dataDir, "demo-models");
        DemoModelRepository.Write(path);
        return path;
    }

    private static FeatureRepository? LoadAppliedFeatures(string dataDir)
    {
        if (!File.Exists(Path.Combine(dataDir, FeatureRegistry.DatabaseFileName)))
        {
            return null;
        }

        using var registry = new FeatureRegistry(dataDir, TimeProvider.System);
        return registry.GetRepository();
    }
}
