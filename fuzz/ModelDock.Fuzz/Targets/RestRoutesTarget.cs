using System.Text;
using ModelDock.Fuzz.Engine;

namespace ModelDock.Fuzz.Targets;

/// <summary>
/// Every REST route with mutated methods, path segments (unknown and hostile model names, versions that are not
/// numbers or overflow) and bodies, including the repository API's load, unload and index requests.
/// </summary>
internal sealed class RestRoutesTarget(FuzzHost host) : IFuzzTarget
{
    private static readonly string[] Methods = ["GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"];

    private static readonly string[] Templates =
    [
        "/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/stats", "/v2/models/{m}", "/v2/models/{m}/versions/{v}",
        "/v2/models/{m}/config", "/v2/models/{m}/versions/{v}/config", "/v2/models/{m}/ready", "/v2/models/{m}/versions/{v}/ready",
        "/v2/models/{m}/stats", "/v2/models/{m}/versions/{v}/stats", "/v2/models/{m}/infer", "/v2/repository/index",
        "/v2/repository/models/{c}/load", "/v2/repository/models/{c}/unload", "/health/features", "/{x}", "/v2/{x}/{x}",
    ];

    private static readonly string[] HostileSegments =
    [
        "", "%2e%2e", "..", "%00", "%ff", "%", "a%2fb", "\u00fc", "%F0%9F%98%80", "%ED%A0%80", "stats", "infer",
        "99999999999999999999", "-1", "0", "1", "2", "abc", " ", "%20",
    ];

    private static readonly string[] Bodies =
    [
        "", "{}", """{"ready": true}""", """{"ready": "yes"}""", """{"parameters": {"unload_dependents": true}}""",
        """{"parameters": {"config": "{\"max_batch_size\": 4}"}}""", """{"parameters": {"file:1/model.onnx": "AAAA"}}""", "[]", "null",
    ];

    public string Name => "rest-routes";

    public double Share => 0.5;

    public int Parallelism => 16;

    public FuzzInput Generate(Random random)
    {
        var template = Templates[random.Next(Templates.Length)];
        var path = template
            .Replace("{m}", Segment(random, known: true), StringComparison.Ordinal)
            .Replace("{c}", random.Next(4) == 0 ? Segment(random, known: false) : FuzzHost.ControlledModel, StringComparison.Ordinal)
            .Replace("{v}", HostileSegments[random.Next(HostileSegments.Length)], StringComparison.Ordinal)
            .Replace("{x}", Segment(random, known: false), StringComparison.Ordinal);
        if (random.Next(10) == 0)
        {
            path += new[] { "?x=1", "?", "/", "//", "?ready=%ff", "#f" }[random.Next(6)];
        }

        var body = Encoding.UTF8.GetBytes(Bodies[random.Next(Bodies.Length)]);
        if (random.Next(2) == 0)
        {
            body = random.Next(2) == 0 ? Encoding.UTF8.GetBytes(JsonMutator.Mutate(Encoding.UTF8.GetString(body), random)) : ByteMutator.Mutate(body, random);
        }

        return new FuzzInput(Name, Methods[random.Next(Methods.Length)], path, [new("Content-Type", "application/json")], body);
    }

    public Task<Outcome> RunAsync(FuzzInput input, CancellationToken cancellationToken) =>
        HttpExchange.SendAsync(host.Rest, input, cancellationToken);

    /// <summary>A served model's name, or a hostile one; never the controlled model, whose state this target changes.</summary>
    private string Segment(Random random, bool known)
    {
        if (known && random.Next(3) != 0)
        {
            var model = host.Models[random.Next(host.Models.Count)].Name;
            return model == FuzzHost.ControlledModel ? "mlp" : model;
        }

        return random.Next(6) == 0 ? new string('m', random.Next(200, 5000)) : HostileSegments[random.Next(HostileSegments.Length)];
    }
}
