using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ModelDock.Errors;

namespace ModelDock.Cli.Commands;

/// <summary>
/// Calls to a server's admin API under <c>/api</c>. A refusal comes back as the <see cref="ModelDockException"/> the
/// server's handler threw (its kind from the status, its message from the <c>{"error": ...}</c> body), so the CLI prints
/// and exits exactly as when the same change is refused locally.
/// </summary>
internal sealed class AdminApiClient : IDisposable
{
    private readonly Uri _server;
    private readonly HttpClient _http;

    public AdminApiClient(Uri server, string? apiKey)
    {
        _server = server;

        // Uploads, and deploys (the server loads and warms the version before answering), may take minutes; only
        // connecting is bounded, so an unreachable server fails fast.
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            // A trailing slash keeps a path prefix (a server behind a reverse proxy) when relative paths are resolved.
            BaseAddress = server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (!string.IsNullOrEmpty(apiKey))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    /// <summary>A path segment, escaped so a name cannot change which route is called.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    public static HttpContent Json(object body) => JsonContent.Create(body, options: JsonSerializerOptions.Web);

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Get, path, null, cancellationToken);

    public Task<T> PutAsync<T>(string path, object body, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Put, path, Json(body), cancellationToken);

    public Task<T> PostAsync<T>(string path, HttpContent? body, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Post, path, body, cancellationToken);

    public Task<T> DeleteAsync<T>(string path, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Delete, path, null, cancellationToken);

    /// <summary>A delete the server answers with no body (204).</summary>
    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, path, null, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, body, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(JsonSerializerOptions.Web, cancellationToken)
                ?? throw new JsonException("the body is empty");
        }
        catch (JsonException e)
        {
            throw new CommandFailedException(ExitCodes.Failure, $"{method} {Url(path)} did not answer with the admin API's JSON: {e.Message}", e);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new CommandFailedException(ExitCodes.ServiceUnavailable, $"cannot reach the server at {_server}: {e.Message}", e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var kind = KindOf(response.StatusCode);
            var message = await ErrorMessageAsync(response, method, path, cancellationToken);

            // The server speaks of headers; the operator fixes it with an option or a variable.
            throw new ModelDockException(kind, kind == ErrorKind.Unauthenticated ? $"{message} (give --api-key or set {ControlPlaneOptions.ApiKeyVariable})" : message);
        }
    }

    /// <summary>The server's own sentence, or, from something that is not a ModelDock handler (a proxy, another service), the status.</summary>
    private async Task<string> ErrorMessageAsync(HttpResponseMessage response, HttpMethod method, string path, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("error", out var error) && error.GetString() is { Length: > 0 } message)
            {
                return message;
            }
        }
        catch (JsonException)
        {
            // Not ModelDock's error body; described below.
        }

        return $"{method} {Url(path)} answered {(int)response.StatusCode} {response.ReasonPhrase}";
    }

    private Uri Url(string path) => new(_http.BaseAddress!, path);

    private static ErrorKind KindOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => ErrorKind.InvalidInput,
        HttpStatusCode.Unauthorized => ErrorKind.Unauthenticated,
        HttpStatusCode.Forbidden => ErrorKind.PermissionDenied,
        HttpStatusCode.NotFound => ErrorKind.NotFound,
        HttpStatusCode.Conflict => ErrorKind.Conflict,
        HttpStatusCode.RequestEntityTooLarge => ErrorKind.PayloadTooLarge,
        HttpStatusCode.UnsupportedMediaType => ErrorKind.UnsupportedMediaType,
        HttpStatusCode.TooManyRequests => ErrorKind.QueueFull,
        HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway => ErrorKind.Unavailable,
        HttpStatusCode.GatewayTimeout => ErrorKind.Timeout,
        _ => ErrorKind.Internal,
    };
}
