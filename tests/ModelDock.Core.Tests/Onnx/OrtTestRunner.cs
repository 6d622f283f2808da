using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace ModelDock.Core.Tests.Onnx;

/// <summary>Runs a model in ONNX Runtime directly, independent of ModelDock's own backend.</summary>
internal sealed class OrtTestRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly IDisposableReadOnlyCollection<OrtValue> _outputs;

    private OrtTestRunner(InferenceSession session, IDisposableReadOnlyCollection<OrtValue> outputs)
    {
        _session = session;
        _outputs = outputs;
    }

    /// <summary>The model's outputs, in the order the model declares them.</summary>
    public IReadOnlyList<OrtValue> Outputs => _outputs;

    /// <summary>Loads <paramref name="model"/>, runs it once and takes ownership of the inputs.</summary>
    public static OrtTestRunner Run(byte[] model, params (string Name, OrtValue Value)[] inputs)
    {
        var session = new InferenceSession(model);
        try
        {
            using var runOptions = new RunOptions();
            var outputs = session.Run(
                runOptions,
                inputs.Select(i => i.Name).ToArray(),
                inputs.Select(i => i.Value).ToArray(),
                session.OutputNames);
            return new OrtTestRunner(session, outputs);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        finally
        {
            foreach (var input in inputs)
            {
                input.Value.Dispose();
            }
        }
    }

    public static void AssertClose(float[] expected, ReadOnlySpan<float> actual, double relative = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            // The absolute floor only matters for values within a rounding step of zero.
            var tolerance = (relative * Math.Abs(expected[i])) + 1e-7;
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"Element {i}: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:R}).");
        }
    }

    public void Dispose()
    {
        _outputs.Dispose();
        _session.Dispose();
    }
}
