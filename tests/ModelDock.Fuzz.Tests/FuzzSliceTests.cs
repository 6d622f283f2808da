using ModelDock.Fuzz.Engine;
using Xunit;

namespace ModelDock.Fuzz.Tests;

/// <summary>
/// The CI slice of the fuzzer: about 50,000 inputs across every entry point, with a fixed seed so a failure
/// reproduces (<c>dotnet run --project fuzz/ModelDock.Fuzz -- --targets NAME --seed 20261201 --inputs N</c>).
/// Any 5xx, gRPC server-fault status, escaped exception, hang or error-level log line fails it.
/// </summary>
public sealed class FuzzSliceTests(FuzzHostFixture fixture) : IClassFixture<FuzzHostFixture>
{
    private const int Seed = 20261201;

    [Theory]
    [InlineData("rest-json", 8000)]
    [InlineData("rest-binary", 6000)]
    [InlineData("rest-compressed", 5000)]
    [InlineData("rest-routes", 5000)]
    [InlineData("features", 7000)]
    [InlineData("admin-api", 3000)]
    [InlineData("grpc", 9000)]
    [InlineData("grpc-stream", 4000)]
    [InlineData("model-config", 4000)]
    [InlineData("feature-yaml", 1500)]
    [InlineData("onnx", 500)]
    [InlineData("server-settings", 500)]
    public async Task Target_MutatedInputs_AnswerWithoutServerFaults(string target, int inputs)
    {
        var targets = FuzzTargets.Select(fixture.Host, [target]);

        var report = await FuzzCampaign.RunAsync(targets, new FuzzSettings { Inputs = inputs, Seed = Seed }, fixture.Host.ErrorLogs);

        Assert.Equal(inputs, report.Inputs);
        Assert.True(report.Failures == 0, report.Format());
    }

    [Fact]
    public void Generate_SameSeedAndIndex_SameInput()
    {
        foreach (var target in FuzzTargets.All(fixture.Host))
        {
            var first = target.Generate(FuzzCampaign.RandomFor(Seed, target.Name, 12345));
            var second = target.Generate(FuzzCampaign.RandomFor(Seed, target.Name, 12345));
            var other = target.Generate(FuzzCampaign.RandomFor(Seed, target.Name, 12346));

            Assert.Equal(first.Path, second.Path);
            Assert.Equal(first.Headers, second.Headers);
            Assert.Equal(first.Body, second.Body);
            Assert.False(first.Body.AsSpan().SequenceEqual(other.Body) && first.Path == other.Path, $"{target.Name}: inputs 12345 and 12346 are the same");
        }
    }
}
