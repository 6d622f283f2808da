using System.Globalization;
using ModelDock.Bench.Serving.Load;

namespace ModelDock.Bench.Serving;

/// <summary>How a REST request encodes tensors.</summary>
internal enum RestEncoding
{
    /// <summary>OIP JSON: tensor data as a JSON array of numbers.</summary>
    Json,

    /// <summary>The binary tensor data extension: a JSON header followed by raw little-endian bytes.</summary>
    Binary,
}

/// <summary>An OIP REST inference endpoint, checked once and then described for the load generators.</summary>
internal static class RestEndpoint
{
    /// <summary>
    /// Sends the request the load generators will send and checks the answer against the expected
    /// output; throws when it is wrong.
    /// </summary>
    /// <param name="rows">Rows per request: the model's row repeated (JSON only).</param>
    public static async Task<HttpLoad> PrepareAsync(string name, BenchModel model, Uri baseUri, string modelName, RestEncoding encoding, int rows = 1)
    {
        var inferUri = new Uri(baseUri, $"v2/models/{modelName}/infer");
        var (body, headerLength) = encoding == RestEncoding.Json
            ? (OipPayloads.JsonRequest(model, rows), 0)
            : OipPayloads.BinaryRequest(model);
        List<string> headers = encoding == RestEncoding.Json
            ? ["Content-Type: application/json"]
            : ["Content-Type: application/octet-stream", $"{OipPayloads.HeaderLengthHeader}: {headerLength.ToString(CultureInfo.InvariantCulture)}"];

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var content = new ByteArrayContent(body);
        foreach (var header in headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            content.Headers.TryAddWithoutValidation(header[..colon], header[(colon + 1)..].Trim());
        }

        using var response = await client.PostAsync(inferUri, content).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{name}: HTTP {(int)response.StatusCode}: {OipPayloads.Describe(answer)}");
        }

        if (response.Headers.TryGetValues(OipPayloads.HeaderLengthHeader, out var values))
        {
            model.Check(OipPayloads.ReadBinaryOutput(answer, OipPayloads.ParseHeaderLength(values.First())), name, rows);
        }
        else if (encoding == RestEncoding.Binary)
        {
            throw new InvalidOperationException($"{name}: the response has no {OipPayloads.HeaderLengthHeader} header.");
        }
        else
        {
            model.Check(OipPayloads.ReadJsonOutput(answer), name, rows);
        }

        return new HttpLoad(inferUri, Http2: false, headers, body, answer.Length, rows);
    }
}
