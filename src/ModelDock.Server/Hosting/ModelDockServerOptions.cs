using System.Net;
using System.Net.Sockets;
using ModelDock.Errors;
using ModelDock.Server.Access;
using ModelDock.Server.Admission;

namespace ModelDock.Server.Hosting;

/// <summary>Where and how the REST and gRPC endpoints listen. Defaults follow Triton's (8000 HTTP, 8001 gRPC).</summary>
public sealed class ModelDockServerOptions
{
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    /// <summary>
    /// An IPv4 or IPv6 address (<c>[::1]</c> with or without brackets), <c>localhost</c> (127.0.0.1), or
    /// <c>*</c> / <c>::</c> for every interface, IPv4 and IPv6 (IPv4 only on a machine without IPv6).
    /// </summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>REST port (HTTP/1.1); 0 picks a free port, reported by <see cref="ModelDockHost.HttpPort"/>.</summary>
    public int HttpPort { get; set; } = 8000;

    /// <summary>gRPC port (HTTP/2 without TLS); 0 picks a free port, reported by <see cref="ModelDockHost.GrpcPort"/>.</summary>
    public int GrpcPort { get; set; } = 8001;

    /// <summary>Largest REST request body; a larger one is answered with 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = DefaultMaxBytes;

    /// <summary>Largest gRPC message in either direction; a larger one is answered with RESOURCE_EXHAUSTED.</summary>
    public int GrpcMaxMessageBytes { get; set; } = (int)DefaultMaxBytes;

    /// <summary>
    /// Bytes of request data all requests in flight may hold together, charged as bytes arrive;
    /// beyond it requests are refused with 429 / RESOURCE_EXHAUSTED. Default: a quarter of the memory
    /// available to the process, at least 256 MiB.
    /// </summary>
    public long MaxInflightRequestBytes { get; set; } = RequestMemoryBudget.DefaultCapacity();

    /// <summary>Inference requests read, parsed and run at once; default 64 per core, at least 256.</summary>
    public int MaxConcurrentInferences { get; set; } = Math.Max(256, 64 * Environment.ProcessorCount);

    /// <summary>Inference requests that wait, unread, for one of <see cref="MaxConcurrentInferences"/>; one more is refused with 429.</summary>
    public int MaxQueuedInferences { get; set; } = 4096;

    /// <summary>Largest model upload to the admin API (<c>POST /api/models/{model}/versions</c>); ONNX files stop at 2 GiB.</summary>
    public long MaxModelUploadBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// Every call but health checks needs an API key, even on loopback. Beyond loopback, calls that change the server
    /// (admin API, repository load/unload, feature push) need an admin key whether or not this is set.
    /// </summary>
    public bool RequireAuth { get; set; }

    /// <summary>Which calls need a key, from <see cref="Host"/> and <see cref="RequireAuth"/>.</summary>
    public AccessMode Access =>
        RequireAuth ? AccessMode.RequireKeys
        : TryParseHost(Host, out var address) && IPAddress.IsLoopback(address) ? AccessMode.Open
        : AccessMode.ProtectChanges;

    /// <summary>Throws one <see cref="ModelDockException"/> (InvalidInput) listing every invalid setting.</summary>
    public void Validate()
    {
        var errors = Problems();
        if (errors.Count > 0)
        {
            throw ModelDockException.InvalidInput(Describe(errors));
        }
    }

    internal static string Describe(IEnumerable<string> problems) => "Invalid server options: " + string.Join("; ", problems) + ".";

    /// <summary>Every invalid setting, each named as in configuration.</summary>
    internal List<string> Problems()
    {
        var errors = new List<string>();
        if (!TryParseHost(Host, out _))
        {
            errors.Add($"Host '{Host}' must be an IPv4 or IPv6 address, 'localhost', or '*' for every interface");
        }

        if (HttpPort is < 0 or > 65535)
        {
            errors.Add($"HttpPort {HttpPort} must be between 0 and 65535");
        }

        if (GrpcPort is < 0 or > 65535)
        {
            errors.Add($"GrpcPort {GrpcPort} must be between 0 and 65535");
        }

        if (HttpPort != 0 && HttpPort == GrpcPort)
        {
            errors.Add($"HttpPort and GrpcPort must differ (both are {HttpPort})");
        }

        if (MaxRequestBodyBytes <= 0)
        {
            errors.Add($"MaxRequestBodyBytes {MaxRequestBodyBytes} must be positive");
        }

        if (GrpcMaxMessageBytes <= 0)
        {
            errors.Add($"GrpcMaxMessageBytes {GrpcMaxMessageBytes} must be positive");
        }

        if (MaxRequestBodyBytes > int.MaxValue)
        {
            errors.Add($"MaxRequestBodyBytes {MaxRequestBodyBytes} must be at most {int.MaxValue}");
        }

        if (MaxModelUploadBytes <= 0)
        {
            errors.Add($"MaxModelUploadBytes {MaxModelUploadBytes} must be positive");
        }

        if (MaxInflightRequestBytes <= 0)
        {
            errors.Add($"MaxInflightRequestBytes {MaxInflightRequestBytes} must be positive");
        }

        if (MaxConcurrentInferences <= 0)
        {
            errors.Add($"MaxConcurrentInferences {MaxConcurrentInferences} must be positive");
        }

        if (MaxQueuedInferences < 0)
        {
            errors.Add($"MaxQueuedInferences {MaxQueuedInferences} must be 0 or positive");
        }

        return errors;
    }

    /// <summary><c>*</c> and <c>::</c> both give <see cref="IPAddress.IPv6Any"/>, which the host binds dual-mode.</summary>
    internal static bool TryParseHost(string? host, out IPAddress address)
    {
        switch (host)
        {
            case "localhost":
                address = IPAddress.Loopback;
                return true;
            case "*":
                address = IPAddress.IPv6Any;
                return true;
            case ['[', .. var inside, ']']:
                return IPAddress.TryParse(inside, out address!) && address.AddressFamily == AddressFamily.InterNetworkV6;
            default:
                return IPAddress.TryParse(host, out address!);
        }
    }
}
