using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.WindowsServices;
using Microsoft.Extensions.Logging;
using ModelDock.Endpoints;
using ModelDock.Errors;
using ModelDock.Features.Online;
using ModelDock.Features.Registry;
using ModelDock.Onnx;
using ModelDock.Registry;
using ModelDock.Server.Features;
using ModelDock.Server.Hosting;
using ModelDock.Serving;

namespace ModelDock.Cli.Commands;

/// <summary>
/// <c>modeldock serve</c>: the model repository over OIP REST and gRPC (Triton's flag names and ports),
/// plus the online feature API over the feature definitions applied to the data folder, picked up as they are applied.
/// </summary>
/// <remarks>
/// Start-up checks what an operator can get wrong before anything heavy happens, binds both ports before loading
/// models (a port in use fails in a second, and readiness answers 503 while models load), and turns every
/// start-up failure into one line with its own exit code (<see cref="ExitCodes"/>).
/// </remarks>
internal static class ServeCommand
{
    private const double DefaultPollSeconds = 5;

    public static Command Create()
    {
        var repository = new Option<DirectoryInfo?>("--model-repository") { Description = "Folder with <model>/<version>/model.onnx and optional <model>/config.json or config.yaml." };
        var demo = new Option<bool>("--demo") { Description = "Serve demo models that ModelDock writes into <data-dir>/demo-models." };
        var requireAuth = new Option<bool>("--require-auth") { Description = "Every call but health checks needs an API key, even on loopback (see 'modeldock keys create')." };
        var host = new Option<string>("--host") { Description = "Address to listen on: an IPv4 or IPv6 address, localhost, or * (or ::) for every IPv4 and IPv6 interface.", DefaultValueFactory = _ => "127.0.0.1" };
        var httpPort = new Option<int>("--http-port") { Description = "REST port (0 = any free port).", DefaultValueFactory = _ => 8000 };
        var grpcPort = new Option<int>("--grpc-port") { Description = "gRPC port (0 = any free port).", DefaultValueFactory = _ => 8001 };
        var pollSeconds = new Option<double>("--repository-poll-secs") { Description = "Seconds between scans of the model repository for new, changed or removed versions; 0 turns polling off.", DefaultValueFactory = _ => DefaultPollSeconds };
        var maxBody = new Option<long>("--max-request-bytes") { Description = "Largest REST request body accepted (413 above it).", DefaultValueFactory = _ => ModelDockServerOptions.DefaultMaxBytes };
        var grpcMax = new Option<int>("--grpc-max-message-bytes") { Description = "Largest gRPC message, both directions.", DefaultValueFactory = _ => (int)ModelDockServerOptions.DefaultMaxBytes };
        var defaults = new ModelDockServerOptions();
        var inflightBytes = new Option<long>("--max-inflight-request-bytes") { Description = "Request bytes all requests in flight may hold together, counted as they arrive (429 above it). Default: a quarter of the memory available to the process.", DefaultValueFactory = _ => defaults.MaxInflightRequestBytes };
        var concurrent = new Option<int>("--max-concurrent-inferences") { Description = "Inference requests read, parsed and run at once.", DefaultValueFactory = _ => defaults.MaxConcurrentInferences };
        var logFormat = new Option<string>("--log-format") { Description = "Console log format: text (one line each) or json (one JSON object a line, with trace, span and request ids).", DefaultValueFactory = _ => ConsoleLogging.Text };
        var queued = new Option<int>("--max-queued-inferences") { Description = "Inference requests that wait, unread, for a turn; one more gets 429 at once.", DefaultValueFactory = _ => defaults.MaxQueuedInferences };
        var payloadLog = PayloadLogFlag.Create();
        var metrics = new Option<bool>("--metrics") { Description = "Collect metrics and serve them at GET /metrics on the REST port (true or false).", Arity = ArgumentArity.ExactlyOne, DefaultValueFactory = _ => true };
        var otlpEndpoint = new Option<string>("--otlp-endpoint") { Description = "OpenTelemetry collector (e.g. http://localhost:4317) to push metrics and traces to." };
        var dataDir = CommonOptions.DataDir();
        var store = new OnlineStoreOptions();
        var command = new Command("serve", "Serves models over the Open Inference Protocol (REST and gRPC).")
        {
            repository, demo, host, requireAuth, httpPort, grpcPort, pollSeconds, maxBody, grpcMax, inflightBytes, concurrent, queued, logFormat, payloadLog, metrics, otlpEndpoint, dataDir,
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
        logFormat.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!ConsoleLogging.IsFormat(value))
            {
                result.AddError($"--log-format must be {ConsoleLogging.Text} or {ConsoleLogging.Json}, got '{value}'.");
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
            if (result.GetValue(repository) is not null && result.GetValue(demo))
            {
                result.AddError("Give at most one of --model-repository DIR or --demo (with neither, only the registry's endpoints are served).");
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
                parse.GetValue(demo),
                parse.GetValue(dataDir)!.FullName,
                Given(parse, pollSeconds) ? parse.GetValue(pollSeconds) : null,
                GivenSettings(parse, [
                    (host, nameof(ModelDockServerOptions.Host)),
                    (httpPort, nameof(ModelDockServerOptions.HttpPort)),
                    (grpcPort, nameof(ModelDockServerOptions.GrpcPort)),
                    (maxBody, nameof(ModelDockServerOptions.MaxRequestBodyBytes)),
                    (grpcMax, nameof(ModelDockServerOptions.GrpcMaxMessageBytes)),
                    (inflightBytes, nameof(ModelDockServerOptions.MaxInflightRequestBytes)),
                    (concurrent, nameof(ModelDockServerOptions.MaxConcurrentInferences)),
                    (queued, nameof(ModelDockServerOptions.MaxQueuedInferences)),
                    (logFormat, ConsoleLogging.FormatKey),
                    (metrics, "Metrics:Enabled"),
                    (otlpEndpoint, "Otlp:Endpoint"),
                ], parse.GetValue(requireAuth), PayloadLogFlag.Settings(parse.GetValue(payloadLog)))),
            () => store.OpenAsync(parse, parse.GetValue(dataDir)!.FullName),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ServeSettings settings, Func<Task<IOnlineStore>> openOnlineStore, CancellationToken cancellationToken)
    {
        var modelRepository = settings.Demo ? Path.Combine(settings.DataDir, "demo-models") : settings.ModelRepository;
        CheckFeatureRegistry(settings.DataDir);
        var onlineStore = await OpenOnlineStoreAsync(openOnlineStore);

        ModelDockHost web;
        try
        {
            web = ModelDockHost.Create(
                // The service manager starts services in System32; appsettings.json lives beside the executable.
                contentRoot: WindowsServiceHelpers.IsWindowsService() ? AppContext.BaseDirectory : null,
                configureBuilder: builder =>
                {
                    // Flags given on the command line override appsettings.json and MODELDOCK__* environment variables.
                    builder.Configuration.AddInMemoryCollection(settings.Overrides);

                    // Each is a no-op unless the process was started by the Windows service manager or by systemd.
                    builder.Services.AddWindowsService(service => service.ServiceName = "ModelDock");
                    builder.Services.AddSystemd();
                    var modelDock = builder.Services.AddModelDock().AddRegistryEndpoints(registry => registry.DataDir = settings.DataDir);
                    if (modelRepository is not null)
                    {
                        modelDock.AddModelRepository(repository =>
                        {
                            repository.RepositoryPath = modelRepository;
                            if (settings.PollSeconds is { } seconds)
                            {
                                repository.PollInterval = TimeSpan.FromSeconds(seconds);
                            }

                            repository.PollInterval ??= TimeSpan.FromSeconds(DefaultPollSeconds);
                        });
                    }

                    // Last, so it sees requests as callers send them, endpoints' names included.
                    modelDock.AddPayloadLog(payloads => payloads.DataDir = settings.DataDir);
                    builder.Logging.AddModelDockConsole(builder.Configuration);

                    // Per-request ASP.NET logs cost throughput and say nothing the statistics extension does not.
                    builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

                    // A failed start is reported once, in one line, below; the generic host would add it with a stack trace.
                    builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
                    builder.Services.AddFeatureRegistryServing(onlineStore, settings.DataDir);
                },
                mapEndpoints: app => app.MapFeatureRoutes());
        }
        catch (ModelDockException e)
        {
            throw new CommandFailedException(ExitCodes.Usage, $"{e.Message} (appsettings.json, MODELDOCK__* environment variables or flags)", e);
        }

        await using (web)
        {
            if (settings.Demo)
            {
                WriteDemoRepository(modelRepository!);
            }

            if (modelRepository is not null && !Directory.Exists(modelRepository))
            {
                throw new CommandFailedException(ExitCodes.ModelRepository, $"model repository '{modelRepository}' does not exist or is not a folder (--model-repository)");
            }

            try
            {
                await web.StartAsync(cancellationToken);
            }
            catch (ListenerBindException e)
            {
                throw new CommandFailedException(ExitCodes.CannotListen, $"{e.Message} ({FlagOf(e)})", e);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is ModelDockException or IOException or UnauthorizedAccessException)
            {
                throw new CommandFailedException(ExitCodes.ModelRepository, $"cannot read the model repository '{modelRepository}': {e.Message} (--model-repository)", e);
            }

            var features = web.App.Services.GetRequiredService<FeatureServing>().Repository;
            var index = web.App.Services.GetRequiredService<IModelRepositoryControl>().GetRepositoryIndex(readyOnly: false)
                .Where(e => !e.Name.StartsWith(RegistryModelSource.Prefix, StringComparison.Ordinal)).ToList();
            web.App.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ModelDock.Serve").LogInformation(
                "Serving {Ready} of {Models} models from {Repository} and {Endpoints} endpoints from the registry in {DataDir}{Features}. Press Ctrl+C to stop.",
                index.Where(e => e.State == VersionStatus.Ready).Select(e => e.Name).Distinct(StringComparer.Ordinal).Count(),
                index.Select(e => e.Name).Distinct(StringComparer.Ordinal).Count(),
                modelRepository ?? "no repository folder",
                web.App.Services.GetRequiredService<EndpointRouter>().Routes.Count,
                settings.DataDir,
                $", and {features.FeatureViews.Count} feature views on the {onlineStore.Name} online store");
            await web.App.WaitForShutdownAsync(cancellationToken);
            return ExitCodes.Ok;
        }
    }

    /// <summary>True when the option was given on the command line rather than defaulted.</summary>
    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>The server options given as flags, as configuration keys under <c>ModelDock</c>.</summary>
    private static Dictionary<string, string?> GivenSettings(
        ParseResult parse, IEnumerable<(Option Option, string Key)> flags, bool requireAuth, IEnumerable<KeyValuePair<string, string?>> payloadLog)
    {
        var settings = flags.Where(f => Given(parse, f.Option)).ToDictionary(
            f => $"{ModelDockServiceCollectionExtensions.ConfigurationSection}:{f.Key}",
            f => (string?)parse.GetResult(f.Option)!.Tokens[0].Value);
        if (requireAuth)
        {
            settings[$"{ModelDockServiceCollectionExtensions.ConfigurationSection}:{nameof(ModelDockServerOptions.RequireAuth)}"] = "true";
        }

        foreach (var (key, value) in payloadLog)
        {
            settings[key] = value;
        }

        return settings;
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

    private static string FlagOf(ListenerBindException e) => e switch
    {
        { Reason: System.Net.Sockets.SocketError.AddressNotAvailable } => "--host",
        { Listener: ModelDockListener.Rest } => "--http-port",
        { Listener: ModelDockListener.Grpc } => "--grpc-port",
        _ => "--http-port, --grpc-port",
    };

    private static void WriteDemoRepository(string path)
    {
        try
        {
            DemoModelRepository.Write(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException(ExitCodes.ModelRepository, $"cannot write the demo models to '{path}': {e.Message} (--data-dir)", e);
        }
    }

    /// <summary>A registry that cannot be read fails the start in one line; serving would otherwise only log it on every poll.</summary>
    private static void CheckFeatureRegistry(string dataDir)
    {
        var file = Path.Combine(dataDir, FeatureRegistry.DatabaseFileName);
        if (!File.Exists(file))
        {
            return;
        }

        try
        {
            using var registry = new FeatureRegistry(dataDir, TimeProvider.System);
            registry.GetRepository();
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

    private sealed record ServeSettings(string? ModelRepository, bool Demo, string DataDir, double? PollSeconds, Dictionary<string, string?> Overrides);
}
