using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit;

namespace ModelDock.Server.Tests.Infrastructure;

/// <summary>A REST answer: status, the JSON part and whatever binary tensor data followed it.</summary>
public sealed record RestResult(HttpStatusCode Status, JsonElement Json, byte[] Binary, HttpResponseMessage Response)
{
    public string Error => Json.GetProperty("error").GetString()!;

    public JsonElement Output(string name) => Json.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("name").GetString() == name);
}

public static class RestCalls
{
    public const string HeaderLength = "Inference-Header-Content-Length";

    public static Task<RestResult> PostJsonAsync(this HttpClient http, string path, string json) =>
        SendAsync(http, new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") });

    /// <summary>Posts a JSON header followed by binary tensor data, as the binary tensor extension lays it out.</summary>
    public static Task<RestResult> PostBinaryAsync(this HttpClient http, string path, string json, byte[] binary)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var content = new ByteArrayContent([.. header, .. binary]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add(HeaderLength, header.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return SendAsync(http, new HttpRequestMessage(HttpMethod.Post, path) { Content = content });
    }

    public static Task<RestResult> GetJsonAsync(this HttpClient http, string path) =>
        SendAsync(http, new HttpRequestMessage(HttpMethod.Get, path));

    public static async Task<RestResult> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var jsonLength = body.Length;
        if (response.Headers.TryGetValues(HeaderLength, out var values))
        {
            jsonLength = int.Parse(values.Single(), System.Globalization.CultureInfo.InvariantCulture);
        }

        var json = jsonLength == 0 ? default : JsonDocument.Parse(body.AsMemory(0, jsonLength)).RootElement;
        return new RestResult(response.StatusCode, json, body[jsonLength..], response);
    }

    public static void AssertError(this RestResult result, HttpStatusCode status, params string[] fragments)
    {
        Assert.Equal(status, result.Status);
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, result.Error, StringComparison.Ordinal);
        }
    }

    public static float[] Floats(JsonElement output) => output.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();

    public static long[] Shape(JsonElement output) => output.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
}
