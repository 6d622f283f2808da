using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
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
/// <remarks>
/// Start-up checks what an operator can get wrong before anything heavy happens, binds both ports before loading
/// models (a port in use fails in a second, and readiness answers 503 while models load), and turns every
/// start-up failure into one line with its own exit code (<see cref="ExitCodes"/>).
/// </remarks>
internal static class ServeCommand
{
    public static Command Create()
    {
        var repository = new Option<DirectoryInfo?>("--model-repository") { Description = "Folder with <model>/<version>/model.onnx and optional <model>/config.json or config.yaml." };
        var demo = new Option<bool>("--demo") { Description = "Serve demo models that ModelDock writes into <data-dir>/demo-models." };
        var host = new Option<string>("--host") { Description = "Address to listen on: an IPv4 or IPv6 address, localhost, or * (or ::) for every IPv4 and IPv6 interface.", DefaultValueFactory = _ => "127.0.0.1" };
        var httpPort = new Option<int>("--http-port") { Description = "REST port (0 = any free port).", DefaultValueFactory = _ => 8000 };
        var grpcPort = new Option<int>("--grpc-port") { Description = "gRPC port (0 = any free port).", DefaultValueFactory = _ => 8001 };
        var pollSeconds = new Option<double>("--repository-poll-secs") { Description = "Seconds between scans of the model repository for new, changed or removed versions; 0 turns polling off.", DefaultValueFactory = _ => 5 };
        var maxBody = new Option<long>("--max-request-bytes") { Description = "Largest REST request body accepted (413 above it).", DefaultValueFactory = _ => ModelDockServerOptions.DefaultMaxBytes };
        var grpcMax = new Option<int>("--grpc-max-message-bytes") { Description = "Largest gRPC message, both directions.", DefaultValueFactory = _ => (int)ModelDockServerOptions.DefaultMaxBytes };
        var defaults = new ModelDockServerOptions();
        var inflightBytes = new Option<long>("--max-inflight-request-bytes") { Description = "Request bytes all requests in flight may hold together, counted as they arrive (429 above it). Default: a quarter of the memory available to the process.", DefaultValueFactory = _ => defaults.MaxInflightRequestBytes };
        var concurrent = new Option<int>("--max-concurrent-inferences") { Description = "Inference requests read, parsed and run at once.", DefaultValueFactory = _ => defaults.MaxConcurrentInferences };
        var queued = new Option<int>("--max-queued-inferences") { Description = "Inference requests that wait, unread, for a turn; one more gets 429 at once.", DefaultValueFactory = _ => defaults.MaxQueuedInferences };
        var dataDir = CommonOptions.DataDir();
        var store = new OnlineStoreOptions();
        var command = new Command("serve", "Serves models over the Open Inference Protocol (REST and gRPC).")
        {
            repository, demo, host, httpPort, grpcPort, pollSeconds, maxBody, grpcMax, inflightBytes, concurrent, queued, dataDir,
        };
        store.AddTo(command);

        host.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!ModelDockServerOptions.TryParseHost(value, out _))
            {
                result.AddError($"--host '{value}' must be an IPv4 or IPv6 address, 'localhost', or '*' for every interface.");
            }
        });
        AddPortValidator(httpPort);
        AddPortValidator(grpcPort);
        AddPositiveValidator(maxBody);
        AddPositiveValidator(grpcMax);
        AddPositiveValidator(inflightBytes);
        AddPositiveValidator(concurrent);
        queued.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError($"{queued.Name} must be 0 or positive.");
            }
        });
        command.Validators.Add(result =>
        {
            if ((result.GetValue(repository) is null) == !result.GetValue(demo))
            {
                result.AddError("Give exactly one of --model-repository DIR or --demo.");
            }

            if (CommonOptions.ParsedValue(result, pollSeconds) < 0)
            {
                result.AddError("--repository-poll-secs must be 0 (off) or positive.");
            }

            if (CommonOptions.ParsedValue(result, httpPort) is { } http and not 0 && http == CommonOptions.ParsedValue(result, grpcPort))
            {
                result.AddError($"--http-port and --grpc-port must differ (both are {http}).");
            }
        });

        command.SetAction((parse, cancellationToken) => RunAsync(
            new ServeSettings(
                parse.GetValue(repository)?.FullName,
                parse.GetValue(dataDir)!.FullName,
                parse.GetValue(pollSeconds),
                new ModelDockServerOptions
                {
                    Host = parse.GetValue(host)!,
                    HttpPort = parse.GetValue(httpPort),
                    GrpcPort = parse.GetValue(grpcPort),
                    MaxRequestBodyBytes = parse.GetValue(maxBody),
                    GrpcMaxMessageBytes = parse.GetValue(grpcMax),
                    MaxInflightRequestBytes = parse.GetValue(inflightBytes),
                    MaxConcurrentInferences = parse.GetValue(concurrent),
                    MaxQueuedInferences = parse.GetValue(queued),
                }),
            () => store.OpenAsync(parse, parse.GetValue(dataDir)!.FullName),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ServeSettings settings, Func<Task<IOnlineStore>> openOnlineStore, CancellationToken cancellationToken)
    {
        var modelRepository = settings.ModelRepository ?? WriteDemoRepository(settings.DataDir);
        if (!Directory.Exists(modelRepository))
        {
            throw new CommandFailedException(ExitCodes.ModelRepository, $"model repository '{modelRepository}' does not exist or is not a folder (--model-repository)");
        }

        var features = LoadAppliedFeatures(settings.DataDir);
        var onlineStore = features is null ? null : await OpenOnlineStoreAsync(openOnlineStore);

        using var loggers = LoggerFactory.Create(b => b.AddModelDockConsole());
        var log = loggers.CreateLogger("ModelDock.Serve");
        await using var models = new ModelServer(
            new ModelRepositoryOptions
            {
                RepositoryPath = modelRepository,
                PollInterval = settings.PollSeconds > 0 ? TimeSpan.FromSeconds(settings.PollSeconds) : null,
            },
            loggers.CreateLogger<ModelServer>(),
            TimeProvider.System);
        await using var web = ModelDockHost.Create(
            settings.Server,
            models,
            builder =>
            {
                builder.Logging.AddModelDockConsole();

                // Per-request ASP.NET logs cost throughput and say nothing the statistics extension does not.
                builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

                // A failed start is reported once, in one line, below; the generic host would add it with a stack trace.
                builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
                if (features is not null)
                {
                    builder.Services.AddFeatureServing(features, onlineStore!, settings.DataDir);
                }
            },
            app =>
            {
                if (features is not null)
                {
                    app.MapFeatureEndpoints();
                }
            });

        try
        {
            await web.StartAsync(cancellationToken);
        }
        catch (EndpointBindException e)
        {
            throw new CommandFailedException(ExitCodes.CannotListen, $"{e.Message} ({FlagOf(e)})", e);
        }

        try
        {
            await models.StartAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is ModelDockException or IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException(ExitCodes.ModelRepository, $"cannot read the model repository '{modelRepository}': {e.Message} (--model-repository)", e);
        }

        var index = models.GetRepositoryIndex(readyOnly: false);
        log.LogInformation(
            "Serving {Ready} of {Models} models from {Repository}{Features}. Press Ctrl+C to stop.",
            index.Where(e => e.State == VersionStatus.Ready).Select(e => e.Name).Distinct(StringComparer.Ordinal).Count(),
            index.Select(e => e.Name).Distinct(StringComparer.Ordinal).Count(),
            modelRepository,
            features is null ? string.Empty : $", and {features.FeatureViews.Count} feature views on the {onlineStore!.Name} online store");
        await web.App.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    private static void AddPortValidator(Option<int> port) =>
        port.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var value and (< 0 or > 65535))
            {
                result.AddError($"{port.Name} {value} must be between 0 and 65535 (0 = any free port).");
            }
        });

    private static void AddPositiveValidator<T>(Option<T> option)
        where T : struct, System.Numerics.INumber<T> =>
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T>() is var value && value <= T.Zero)
            {
                result.AddError($"{option.Name} {value} must be positive.");
            }
        });

    private static string FlagOf(EndpointBindException e) => e switch
    {
        { Reason: System.Net.Sockets.SocketError.AddressNotAvailable } => "--host",
        { Endpoint: ModelDockEndpoint.Rest } => "--http-port",
        { Endpoint: ModelDockEndpoint.Grpc } => "--grpc-port",
        _ => "--http-port, --grpc-port",
    };

    private static string WriteDemoRepository(string dataDir)
    {
        var path = Path.Combine(dataDir, "demo-models");
        try
        {
            DemoModelRepository.Write(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException(ExitCodes.ModelRepository, $"cannot write the demo models to '{path}': {e.Message} (--data-dir)", e);
        }

        return path;
    }

    private static FeatureRepository? LoadAppliedFeatures(string dataDir)
    {
        var file = Path.Combine(dataDir, FeatureRegistry.DatabaseFileName);
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            using var registry = new FeatureRegistry(dataDir, TimeProvider.System);
            return registry.GetRepository();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CommandFailedException(ExitCodes.FeatureStore, $"cannot read the feature registry '{file}': {e.Message} (--data-dir)", e);
        }
    }

    private static async Task<IOnlineStore> OpenOnlineStoreAsync(Func<Task<IOnlineStore>> open)
    {
        try
        {
            return await open();
        }
        catch (Exception e) when (e is not (ModelDockException or OperationCanceledException))
        {
            throw new CommandFailedException(ExitCodes.FeatureStore, $"cannot open the online store: {e.Message} (--online-store)", e);
        }
    }

    private sealed record ServeSettings(string? ModelRepository, string DataDir, double PollSeconds, ModelDockServerOptions Server);
}
