using System.Text;
using ModelDock.Fuzz.Engine;
using ModelDock.Onnx;

namespace ModelDock.Fuzz.Targets;

/// <summary>
/// The admin API under <c>/api</c>: endpoint changes, aliases, version deletes, keys and multipart model uploads, with
/// mutated path segments, JSON bodies, multipart framing and model bytes. It only names its own model and endpoint
/// (<see cref="FuzzHost.AdminModel"/>, <see cref="FuzzHost.AdminEndpoint"/>), so the routes the other targets call
/// keep serving whatever it changes.
/// </summary>
internal sealed class AdminApiTarget : IFuzzTarget
{
    private const string Boundary = "fuzz-boundary-7d1";

    private static readonly (string Method, string Path, string Body)[] Seeds =
    [
        ("GET", "/api/models", ""),
        ("GET", "/api/models/{m}/versions", ""),
        ("GET", "/api/models/{m}/versions/{v}", ""),
        ("DELETE", "/api/models/{m}/versions/{v}", ""),
        ("GET", "/api/models/{m}/aliases", ""),
        ("PUT", "/api/models/{m}/aliases/{a}", """{"version": 1}"""),
        ("DELETE", "/api/models/{m}/aliases/{a}", ""),
        ("GET", "/api/endpoints", ""),
        ("POST", "/api/endpoints", """{"name": "{e}"}"""),
        ("GET", "/api/endpoints/{e}", ""),
        ("DELETE", "/api/endpoints/{e}", ""),
        ("GET", "/api/endpoints/{e}/history", ""),
        ("PUT", "/api/endpoints/{e}/deployments/{d}", """{"model": "{m}:1", "force": false}"""),
        ("PUT", "/api/endpoints/{e}/deployments/{d}", """{"model": "{m}@{a}"}"""),
        ("DELETE", "/api/endpoints/{e}/deployments/{d}", ""),
        ("PUT", "/api/endpoints/{e}/traffic", """{"weights": {"blue": 50, "green": 50}}"""),
        ("PUT", "/api/endpoints/{e}/traffic", """{"weights": {"blue": 100}}"""),
        ("PUT", "/api/endpoints/{e}/mirror", """{"deployment": "{d}", "percent": 10}"""),
        ("PUT", "/api/endpoints/{e}/sticky-key", """{"key": "header:x-user"}"""),
        ("PUT", "/api/endpoints/{e}/sticky-key", """{"key": "input:INPUT0"}"""),
        ("POST", "/api/endpoints/{e}/rollback", ""),
        ("GET", "/api/keys", ""),
        ("POST", "/api/keys", """{"name": "fuzz", "role": "inference"}"""),
        ("DELETE", "/api/keys/{k}", ""),
        ("GET", "/openapi/v1.json", ""),
    ];

    private static readonly string[] HostileSegments =
    [
        "", "%2e%2e", "..", "%00", "%ff", "%", "a%2fb", "\u00fc", "%ED%A0%80", "99999999999999999999", "-1", "0", "1", "2", " ", "%20",
    ];

    private static readonly string[] Metadata =
    [
        "", "{}", """{"description": "fuzz", "tags": {"k": "v"}, "metrics": {"auc": 0.9}, "lineage": {"code_revision": "abc"}}""",
        """{"metrics": {"auc": "high"}}""", "[]", "null",
    ];

    private static readonly byte[] Model = DemoModels.Mlp([8, 16, 3], seed: 11).Onnx;

    private readonly FuzzHost _host;

    public AdminApiTarget(FuzzHost host) => _host = host;

    public string Name => "admin-api";

    public double Share => 0.5;

    public int Parallelism => 8;

    public FuzzInput Generate(Random random) =>
        random.Next(5) == 0 ? Upload(random) : Call(random);

    public Task<Outcome> RunAsync(FuzzInput input, CancellationToken cancellationToken) =>
        HttpExchange.SendAsync(_host.Rest, input, cancellationToken);

    private FuzzInput Call(Random random)
    {
        var (method, template, body) = Seeds[random.Next(Seeds.Length)];
        if (random.Next(8) == 0)
        {
            method = new[] { "GET", "POST", "PUT", "DELETE", "PATCH" }[random.Next(5)];
        }

        var path = Fill(template, random, escape: true);
        var json = Fill(body, random, escape: false);
        var bytes = Encoding.UTF8.GetBytes(random.Next(3) == 0 ? json : JsonMutator.Mutate(json, random));
        if (random.Next(4) == 0)
        {
            bytes = ByteMutator.Mutate(bytes, random);
        }

        return new FuzzInput(Name, method, path, [new("Content-Type", random.Next(10) == 0 ? "text/plain" : "application/json")], bytes);
    }

    /// <summary>A multipart registration whose model bytes, metadata part or framing may be mutated.</summary>
    private FuzzInput Upload(Random random)
    {
        var model = random.Next(3) == 0 ? Model : ByteMutator.Mutate(Model, random);
        var metadata = Metadata[random.Next(Metadata.Length)];
        if (random.Next(2) == 0)
        {
            metadata = JsonMutator.Mutate(metadata.Length == 0 ? "{}" : metadata, random);
        }

        using var body = new MemoryStream();
        void Write(string text) => body.Write(Encoding.UTF8.GetBytes(text));
        Write($"--{Boundary}\r\nContent-Disposition: form-data; name=\"model\"; filename=\"model.onnx\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        body.Write(model);
        if (metadata.Length > 0)
        {
            Write($"\r\n--{Boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{metadata}");
        }

        Write($"\r\n--{Boundary}--\r\n");
        var bytes = body.ToArray();
        if (random.Next(4) == 0)
        {
            bytes = ByteMutator.Mutate(bytes, random);
        }

        var contentType = random.Next(10) == 0 ? "multipart/form-data" : $"multipart/form-data; boundary={Boundary}";
        return new FuzzInput(Name, "POST", Fill("/api/models/{m}/versions", random, escape: true), [new("Content-Type", contentType)], bytes);
    }

    private static string Fill(string template, Random random, bool escape)
    {
        string Pick(params string[] known) =>
            random.Next(4) != 0 ? known[random.Next(known.Length)]
            : escape ? HostileSegments[random.Next(HostileSegments.Length)]
            : new string('x', random.Next(0, 300));

        return template
            .Replace("{m}", Pick(FuzzHost.AdminModel, FuzzHost.AdminModel + "_new"), StringComparison.Ordinal)
            .Replace("{e}", Pick(FuzzHost.AdminEndpoint, FuzzHost.AdminEndpoint + "_new"), StringComparison.Ordinal)
            .Replace("{d}", Pick("blue", "green", "purple"), StringComparison.Ordinal)
            .Replace("{v}", Pick("1", "2", "3"), StringComparison.Ordinal)
            .Replace("{a}", Pick("champion", "challenger"), StringComparison.Ordinal)
            .Replace("{k}", Pick("0123456789ab", "nokey"), StringComparison.Ordinal);
    }
}
