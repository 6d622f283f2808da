using System.Diagnostics.Metrics;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;
using ModelDock.Core.Tests.Repository;
using ModelDock.Inference;
using ModelDock.Onnx;
using ModelDock.PayloadLog;
using ModelDock.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace ModelDock.Core.Tests.PayloadLog;

public sealed class PayloadLogTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Model = "two";
    private readonly ServerHarness _server = new();
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "modeldock-payloads-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        _server.Repository.AddVersion(Model, 1, DemoModels.TwoInput());
        _server.Repository.AddVersion("strings", 1, DemoModels.Strings());
        await _server.Source.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _server.Repository.Dispose();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task InferAsync_TenPercentOf5000_SampledShareWithinBinomialBounds()
    {
        var options = Options(10);
        using var buffer = new PayloadBuffer(options, null);
        var service = new PayloadLoggingService(_server.Inference, buffer, options, TimeProvider.System);

        var withId = 0;
        for (var i = 0; i < 5000; i++)
        {
            var response = await service.InferAsync(Request(i), CancellationToken.None);
            withId += response.Id is null ? 0 : 1;
        }

        var sampled = 0;
        while (buffer.Reader.TryRead(out _))
        {
            sampled++;
        }

        // Binomial(5000, 0.1): mean 500, sd 21.2; ±70 is beyond 3.29 sd, so a correct sampler fails with p < 0.001.
        output.WriteLine($"sampled {sampled} of 5000");
        Assert.InRange(sampled, 430, 570);
        Assert.Equal(sampled, withId);
        Assert.Equal(0, buffer.Dropped);
    }

    [Fact]
    public async Task InferAsync_RateZero_PassesThroughWithoutRecordOrId()
    {
        var options = Options(0);
        using var buffer = new PayloadBuffer(options, null);
        var service = new PayloadLoggingService(_server.Inference, buffer, options, TimeProvider.System);

        var response = await service.InferAsync(Request(1), CancellationToken.None);

        Assert.Null(response.Id);
        Assert.False(buffer.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Writer_AllSampled_RecordsRoundTripAndJoinByRequestId()
    {
        var options = Options(100);
        using var buffer = new PayloadBuffer(options, null);
        var service = new PayloadLoggingService(_server.Inference, buffer, options, TimeProvider.System);
        var writer = new PayloadWriter(buffer, new ParquetPayloadSink(_dataDir, TimeProvider.System), options, TimeProvider.System, NullLogger.Instance);
        await writer.StartAsync(CancellationToken.None);

        var answers = new Dictionary<string, (InferenceRequest Request, InferenceResponse Response)>();
        for (var i = 0; i < 25; i++)
        {
            var request = Request(i, id: i % 2 == 0 ? $"given-{i}" : null);
            var response = await service.InferAsync(request, CancellationToken.None);
            Assert.NotNull(response.Id);
            if (request.Id is { } given)
            {
                Assert.Equal(given, response.Id);
            }

            answers.Add(response.Id!, (request, response));
        }

        var strings = await service.InferAsync(
            new InferenceRequest { ModelName = "strings", Inputs = [Tensor.FromBytes(DemoModels.StringsInput, [2, 1], [[.. "ab"u8], [.. "c\u00e9"u8]])] },
            CancellationToken.None);
        await writer.DisposeAsync();

        using var connection = Open();
        var rows = Query(connection, $"SELECT request_id, model, version, deployment, latency_seconds, in__{DemoModels.TwoInputIds}, in__{DemoModels.TwoInputValues}, out__{DemoModels.TwoInputOutput}, in_shape__{DemoModels.TwoInputIds} FROM read_parquet('{Glob(Model)}')");
        Assert.Equal(25, rows.Count);
        Assert.Equal(26, buffer.Written);
        foreach (var row in rows)
        {
            var (request, response) = answers[(string)row[0]!];
            Assert.Equal(Model, row[1]);
            Assert.Equal("1", row[2]);
            Assert.Null(row[3]);
            Assert.True((double)row[4]! > 0);
            Assert.Equal(request.Inputs[0].AsSpan<long>().ToArray(), (List<long>)row[5]!);
            Assert.Equal(request.Inputs[1].AsSpan<float>().ToArray(), (List<float>)row[6]!);
            Assert.Equal(response.Outputs[0].AsSpan<float>().ToArray(), (List<float>)row[7]!);
            Assert.Equal([2L, 4L], (List<long>)row[8]!);
        }

        var text = Query(connection, $"SELECT request_id, list_transform(in__{DemoModels.StringsInput}, b -> decode(b)), list_transform(out__{DemoModels.StringsOutput}, b -> decode(b)) FROM read_parquet('{Glob("strings")}')");
        Assert.Equal(strings.Id, Assert.Single(text)[0]);
        Assert.Equal(["ab", "c\u00e9"], (List<string>)text[0][1]!);
        Assert.Equal(["AB", "C\u00e9"], (List<string>)text[0][2]!);
    }

    [Fact]
    public async Task Query_KnownRecords_SummarisesCountVersionsAndInputs()
    {
        var options = Options(100);
        using var buffer = new PayloadBuffer(options, null);
        var service = new PayloadLoggingService(_server.Inference, buffer, options, TimeProvider.System);
        var writer = new PayloadWriter(buffer, new ParquetPayloadSink(_dataDir, TimeProvider.System), options, TimeProvider.System, NullLogger.Instance);
        await writer.StartAsync(CancellationToken.None);
        var values = new List<float>();
        for (var i = 0; i < 10; i++)
        {
            var request = Request(i);
            values.AddRange(request.Inputs[1].AsSpan<float>().ToArray());
            await service.InferAsync(request, CancellationToken.None);
        }

        await writer.DisposeAsync();

        var summary = PayloadQuery.Summarize(_dataDir, Model, since: null);
        var none = PayloadQuery.Summarize(_dataDir, "absent", since: null);

        Assert.Equal(10, summary.Records);
        Assert.Equal(["1"], summary.Versions);
        var input = Assert.Single(summary.Tensors, t => t.Name == DemoModels.TwoInputValues);
        Assert.Equal("input", input.Kind);
        Assert.Equal("FLOAT", input.Type);
        Assert.Equal(80, input.Values);
        Assert.Equal(values.Average(v => (double)v), input.Mean!.Value, 1e-6);
        Assert.Equal(values.Min(), input.Min!.Value, 1e-6);
        Assert.Equal(values.Max(), input.Max!.Value, 1e-6);
        Assert.Equal(0, input.NullShare);
        Assert.Contains(summary.Tensors, t => t.Kind == "output" && t.Name == DemoModels.TwoInputOutput);
        Assert.Equal(0, none.Files);
        Assert.Equal(0, none.Records);
    }

    [Fact]
    public async Task InferAsync_SampledRequestFails_KeptWithItsErrorKindAndInputsAndCountedInTheSummary()
    {
        var options = Options(100);
        using var buffer = new PayloadBuffer(options, null);
        var service = new PayloadLoggingService(_server.Inference, buffer, options, TimeProvider.System);
        var writer = new PayloadWriter(buffer, new ParquetPayloadSink(_dataDir, TimeProvider.System), options, TimeProvider.System, NullLogger.Instance);
        await writer.StartAsync(CancellationToken.None);
        await service.InferAsync(Request(1), CancellationToken.None);
        var good = Request(2);
        var wrongWidth = new InferenceRequest { ModelName = Model, Id = "refused", Inputs = [good.Inputs[0], Tensor.FromArray(DemoModels.TwoInputValues, DataType.Fp32, [2, 3], new float[6])] };
        var unknownVersion = new InferenceRequest { ModelName = Model, Id = "no-version", ModelVersion = "9", Inputs = good.Inputs };

        var invalid = await Assert.ThrowsAsync<ModelDock.Errors.ModelDockException>(async () => await service.InferAsync(wrongWidth, CancellationToken.None));
        var missing = await Assert.ThrowsAsync<ModelDock.Errors.ModelDockException>(async () => await service.InferAsync(unknownVersion, CancellationToken.None));
        await writer.DisposeAsync();

        Assert.Equal(ModelDock.Errors.ErrorKind.InvalidInput, invalid.Kind);
        Assert.Equal(ModelDock.Errors.ErrorKind.NotFound, missing.Kind);
        using var connection = Open();
        var rows = Query(connection, $"SELECT request_id, version, error, in_shape__{DemoModels.TwoInputValues} FROM read_parquet('{Glob(Model)}', union_by_name = true) WHERE error IS NOT NULL ORDER BY request_id");
        Assert.Equal(2, rows.Count);
        Assert.Equal(["no-version", "9", "not_found"], rows[0][..3]);
        Assert.Equal(["refused", null, "invalid_input"], rows[1][..3]);
        Assert.Equal([2L, 3L], (List<long>)rows[1][3]!);
        var summary = PayloadQuery.Summarize(_dataDir, Model, since: null);
        Assert.Equal(3, summary.Records);
        Assert.Equal(new Dictionary<string, long> { ["invalid_input"] = 1, ["not_found"] = 1 }, summary.Failures);
        Assert.Equal(["1", "9"], summary.Versions);
    }

    [Fact]
    public async Task Buffer_WriterBlocked_RequestsCompleteAndDropsAreCounted()
    {
        var options = Options(100);
        options.MaxBufferedRecords = 4;
        options.RollRecords = 1;
        using var sink = new BlockedSink();
        using var buffer = new PayloadBuffer(options, null);
        long measured = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PayloadBuffer.MeterName && instrument.Name == "modeldock.payload_log.dropped")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref measured, value));
        listener.Start();
        var service = new PayloadLoggingService(_server.Inference, buffer, options, TimeProvider.System);
        var writer = new PayloadWriter(buffer, sink, options, TimeProvider.System, NullLogger.Instance);
        await writer.StartAsync(CancellationToken.None);

        for (var i = 0; i < 200; i++)
        {
            Assert.NotNull((await service.InferAsync(Request(i), CancellationToken.None)).Id);
        }

        await sink.Entered.WaitAsync();
        var dropped = buffer.Dropped;
        output.WriteLine($"dropped {dropped} of 200 while the writer was blocked");
        Assert.InRange(dropped, 200 - 1 - options.MaxBufferedRecords, 200);
        Assert.Equal(dropped, Interlocked.Read(ref measured));

        sink.Release();
        await writer.DisposeAsync();
        Assert.Equal(200, buffer.Dropped + buffer.Written);
    }

    private PayloadLogOptions Options(double rate) => new()
    {
        DataDir = _dataDir,
        Models = { [Model] = new PayloadLogModelOptions { SampleRate = rate }, ["strings"] = new PayloadLogModelOptions { SampleRate = rate } },
    };

    private static InferenceRequest Request(int seed, string? id = null)
    {
        var random = new Random(seed);
        var ids = new long[8];
        var values = new float[8];
        for (var i = 0; i < 8; i++)
        {
            ids[i] = random.Next(0, 1000);
            values[i] = (float)random.NextDouble();
        }

        return new InferenceRequest
        {
            ModelName = Model,
            Id = id,
            Inputs =
            [
                Tensor.FromArray(DemoModels.TwoInputIds, DataType.Int64, [2, 4], ids),
                Tensor.FromArray(DemoModels.TwoInputValues, DataType.Fp32, [2, 4], values),
            ],
        };
    }

    private string Glob(string model) => Path.Combine(ParquetPayloadSink.ModelFolder(_dataDir, model), "**", "*.parquet");

    private static DuckDBConnection Open()
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        return connection;
    }

    private static List<object?[]> Query(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>A sink that holds the writer in its first write until released, as a stalled disk would.</summary>
    private sealed class BlockedSink : IPayloadSink, IDisposable
    {
        private readonly ManualResetEventSlim _release = new();

        public SemaphoreSlim Entered { get; } = new(0);

        public void Write(string model, IReadOnlyList<PayloadRecord> records)
        {
            Entered.Release();
            _release.Wait();
        }

        public void Release() => _release.Set();

        public void Dispose()
        {
            _release.Dispose();
            Entered.Dispose();
        }
    }
}
