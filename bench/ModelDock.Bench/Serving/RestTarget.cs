using System.Net;
using System.Net.Http.Headers;

namespace ModelDock.Bench.Serving;

/// <summary>How a REST target encodes tensors.</summary>
internal enum RestEncoding
{
    /// <summary>OIP JSON: tensor data as a JSON array of numbers.</summary>
    Json,

    /// <summary>The binary tensor data extension: a JSON header followed by raw little-endian bytes.</summary>
    Binary,
}

/// <summary>
/// An OIP REST endpoint driven over HTTP/1.1 keep-alive connections, one per worker at most, so the
/// connection pool never makes a worker wait for another.
/// </summary>
internal sealed class RestTarget : IBenchTarget
{
    private readonly BenchModel _model;
    private readonly Uri _inferUri;
    private readonly RestEncoding _encoding;
    private readonly HttpClient _client;
    private readonly byte[] _body;
    private readonly int _headerLength;
    private long _responseBytes;

    public RestTarget(string name, BenchModel model, Uri baseUri, string modelName, RestEncoding encoding)
    {
        Name = name;
        _model = model;
        _encoding = encoding;
        _inferUri = new Uri(baseUri, $"v2/models/{modelName}/infer");
        _client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        })
        {
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            // A finite timeout arms a timer per request, whose shared queue lock showed up in profiles.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        (_body, _headerLength) = encoding == RestEncoding.Json
            ? (OipPayloads.JsonRequest(model), 0)
            : OipPayloads.BinaryRequest(model);
    }

    public string Name { get; }

    public int RowsPerRequest => 1;

    public async Task VerifyAsync()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _inferUri) { Content = CreateContent() };
        using var response = await _client.SendAsync(request).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{Name}: HTTP {(int)response.StatusCode}: {OipPayloads.Describe(body)}");
        }

        _responseBytes = body.Length;

        if (response.Headers.TryGetValues(OipPayloads.HeaderLengthHeader, out var values))
        {
            _model.Check(OipPayloads.ReadBinaryOutput(body, OipPayloads.ParseHeaderLength(values.First())), Name);
        }
        else if (_encoding == RestEncoding.Binary)
        {
            throw new InvalidOperationException($"{Name}: the response has no {OipPayloads.HeaderLengthHeader} header.");
        }
        else
        {
            _model.Check(OipPayloads.ReadJsonOutput(body), Name);
        }
    }

    public IRequestSender CreateSender(int worker) => new Sender(this);

    public HttpLoad DescribeHttpLoad()
    {
        List<string> headers = _encoding == RestEncoding.Json
            ? ["Content-Type: application/json"]
            : ["Content-Type: application/octet-stream", $"{OipPayloads.HeaderLengthHeader}: {_headerLength.ToString(System.Globalization.CultureInfo.InvariantCulture)}"];
        return new HttpLoad(_inferUri, Http2: false, headers, _body, _responseBytes);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private ByteArrayContent CreateContent()
    {
        var content = new ByteArrayContent(_body);
        if (_encoding == RestEncoding.Json)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        else
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.Add(OipPayloads.HeaderLengthHeader, _headerLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return content;
    }

    private sealed class Sender(RestTarget target) : IRequestSender
    {
        private readonly ByteArrayContent _content = target.CreateContent();
        private readonly byte[] _buffer = new byte[16 * 1024];

        public async ValueTask<bool> SendAsync()
        {
            // The request message is not disposed: that would dispose the content this worker reuses.
            var request = new HttpRequestMessage(HttpMethod.Post, target._inferUri) { Content = _content };
            using var response = await target._client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                while (await stream.ReadAsync(_buffer).ConfigureAwait(false) > 0)
                {
                }
            }

            return response.StatusCode == HttpStatusCode.OK;
        }

        public ValueTask DisposeAsync()
        {
            _content.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
