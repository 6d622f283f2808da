using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;

namespace ModelDock.Bench.Serving.Servers;

/// <summary>
/// What a developer writes in an afternoon: a minimal API endpoint that binds the OIP JSON to classes
/// with System.Text.Json, runs the model once per request (no batching) and returns an object that is
/// serialized back to JSON.
/// </summary>
internal static class NaiveServer
{
    /// <returns>The app and the ONNX Runtime session it runs, to dispose after the app.</returns>
    public static (WebApplication App, InferenceSession Session) Build(BenchModel model, int port)
    {
        var session = new InferenceSession(model.Onnx);
        var builder = TargetHost.CreateBuilder(port);
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        var app = builder.Build();
        app.MapPost("/v2/models/{name}/infer", (string name, NaiveRequest request) =>
        {
            var input = request.Inputs[0];
            using var value = OrtValue.CreateTensorValueFromMemory(input.Data, input.Shape);
            using var outputs = session.Run(new RunOptions(), [input.Name], [value], session.OutputNames);
            var output = outputs[0];
            var shape = output.GetTensorTypeAndShape().Shape;
            return Results.Ok(new NaiveResponse
            {
                ModelName = name,
                ModelVersion = "1",
                Outputs = [new NaiveTensor { Name = session.OutputNames[0], Datatype = "FP32", Shape = shape, Data = output.GetTensorDataAsSpan<float>().ToArray() }],
            });
        });
        return (app, session);
    }

    internal sealed class NaiveRequest
    {
        public string? Id { get; set; }

        public List<NaiveTensor> Inputs { get; set; } = [];
    }

    internal sealed class NaiveResponse
    {
        public string ModelName { get; set; } = "";

        public string ModelVersion { get; set; } = "";

        public List<NaiveTensor> Outputs { get; set; } = [];
    }

    internal sealed class NaiveTensor
    {
        public string Name { get; set; } = "";

        public string Datatype { get; set; } = "";

        public long[] Shape { get; set; } = [];

        public float[] Data { get; set; } = [];
    }
}
