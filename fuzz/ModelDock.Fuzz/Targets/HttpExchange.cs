using System.Globalization;
using ModelDock.Fuzz.Engine;

namespace ModelDock.Fuzz.Targets;

/// <summary>Sends a fuzz input as an HTTP request and judges the status: any 5xx is a finding, except the 503s a model's state explains.</summary>
internal static class HttpExchange
{
    private static readonly HashSet<string> ContentHeaders = new(StringComparer.OrdinalIgnoreCase) { "Content-Type", "Content-Encoding" };

    public static async Task<Outcome> SendAsync(HttpClient client, FuzzInput input, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(client.BaseAddress, input.Path, out var uri))
        {
            return new Outcome("not a request path");
        }

        using var request = new HttpRequestMessage(new HttpMethod(input.Method), uri);
        if (input.Body.Length > 0 || input.Method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new ByteArrayContent(input.Body);
        }

        foreach (var (name, value) in input.Headers)
        {
            if (ContentHeaders.Contains(name))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var status = (int)response.StatusCode;
        var label = status.ToString(CultureInfo.InvariantCulture);
        if (status < 500 || (status == 503 && IsExplainedByModelState(input.Path, body)))
        {
            return new Outcome(label);
        }

        return Outcome.Fail(label, $"{status}: {(body.Length > 300 ? body[..300] : body)}");
    }

    /// <summary>Only the controlled model is ever unloaded, so only it (and server readiness, which counts it) may answer 503.</summary>
    public static bool IsExplainedByModelState(string path, string message) =>
        path.StartsWith("/v2/health/ready", StringComparison.Ordinal)
        || path.Contains("/" + FuzzHost.ControlledModel, StringComparison.Ordinal)
        || message.Contains($"'{FuzzHost.ControlledModel}'", StringComparison.Ordinal);
}
