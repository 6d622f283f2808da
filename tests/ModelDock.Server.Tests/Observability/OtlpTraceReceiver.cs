using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using ModelDock.Server.Tests.Observability.Otlp;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Server.Tests.Observability;

/// <summary>A span as the OTLP exporter sent it, ids in lowercase hex.</summary>
public sealed record ReceivedSpan(string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, Span.Types.SpanKind Kind, IReadOnlyDictionary<string, object?> Attributes, IReadOnlyList<(string TraceId, string SpanId)> Links, Status.Types.StatusCode Status)
{
    public object? this[string attribute] => Attributes.GetValueOrDefault(attribute);
}

/// <summary>
/// An OTLP/HTTP trace receiver (<c>POST /v1/traces</c>, protobuf) on a loopback port, collecting what it is sent.
/// </summary>
/// <remarks>
/// Built on <see cref="HttpListener"/> rather than Kestrel: the host under test traces every ASP.NET Core request in
/// the process, so a Kestrel receiver would have its own requests traced and exported to it, without end.
/// </remarks>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private static readonly TimeSpan PatienceLimit = TimeSpan.FromSeconds(60);

    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly Task _loop;

    private OtlpTraceReceiver(int port)
    {
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        TracesEndpoint = new Uri($"http://127.0.0.1:{port}/v1/traces");
        _loop = Task.Run(ReceiveAsync);
    }

    /// <summary>The address to give the exporter; with HTTP/protobuf set in code the exporter posts to it as is.</summary>
    public Uri TracesEndpoint { get; }

    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    public static OtlpTraceReceiver Start() => new(LoopbackPorts.Free());

    /// <summary>Waits until the spans received satisfy <paramref name="done"/>; fails listing what arrived if they never do.</summary>
    public async Task<IReadOnlyList<ReceivedSpan>> WaitForAsync(Func<IReadOnlyList<ReceivedSpan>, bool> done)
    {
        var patience = Task.Delay(PatienceLimit);
        while (!patience.IsCompleted)
        {
            var spans = Spans;
            if (done(spans))
            {
                return spans;
            }

            await Task.Delay(50);
        }

        Assert.Fail("The expected spans never arrived; received: " + string.Join(", ", Spans.Select(s => $"{s.Name} [{s.TraceId}/{s.SpanId} <- {s.ParentSpanId}]")));
        return [];
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop;
        _listener.Close();
    }

    private async Task ReceiveAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using (var response = context.Response)
            {
                if (context.Request.HttpMethod != "POST" || context.Request.Url?.AbsolutePath != "/v1/traces")
                {
                    response.StatusCode = (int)HttpStatusCode.NotFound;
                    continue;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                Collect(ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()));
                response.ContentType = "application/x-protobuf";
                var answer = new ExportTraceServiceResponse().ToByteArray();
                await response.OutputStream.WriteAsync(answer);
            }
        }
    }

    private void Collect(ExportTraceServiceRequest request)
    {
        foreach (var resource in request.ResourceSpans)
        {
            foreach (var scope in resource.ScopeSpans)
            {
                foreach (var span in scope.Spans)
                {
                    _spans.Enqueue(new ReceivedSpan(
                        scope.Scope?.Name ?? string.Empty,
                        Hex(span.TraceId),
                        Hex(span.SpanId),
                        Hex(span.ParentSpanId),
                        span.Name,
                        span.Kind,
                        span.Attributes.ToDictionary(a => a.Key, a => Value(a.Value)),
                        [.. span.Links.Select(l => (Hex(l.TraceId), Hex(l.SpanId)))],
                        span.Status?.Code ?? Status.Types.StatusCode.Unset));
                }
            }
        }
    }

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    private static object? Value(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue,
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue,
        AnyValue.ValueOneofCase.ArrayValue => value.ArrayValue.Values.Select(Value).ToArray(),
        _ => null,
    };
}
