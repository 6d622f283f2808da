using ModelDock.Batching;
using ModelDock.Errors;
using ModelDock.Serving;
using Xunit;

namespace ModelDock.Core.Tests.Batching;

public sealed class InferenceSchedulersTests
{
    [Theory]
    [InlineData(8, true, typeof(DynamicBatcher))]
    [InlineData(8, false, typeof(DirectScheduler))]
    [InlineData(0, true, typeof(DirectScheduler))]
    public async Task Create_ForOptions_PicksTheMatchingScheduler(int maxBatchSize, bool dynamicBatching, Type expected)
    {
        var options = new SchedulerOptions { MaxBatchSize = maxBatchSize, DynamicBatching = dynamicBatching };

        await using var scheduler = InferenceSchedulers.Create(options, new RowMathBackend(), new StatisticsCollector(TimeProvider.System), TimeProvider.System);

        Assert.IsType(expected, scheduler);
    }

    [Fact]
    public void Create_InvalidOptions_ListsEveryProblemInOneInvalidInputError()
    {
        var options = new SchedulerOptions { MaxBatchSize = 4, InstanceCount = 0, MaxQueueSize = 0, PreferredBatchSizes = [8], BatchingPolicy = (BatchingPolicy)7 };

        var error = Assert.Throws<ModelDockException>(
            () => InferenceSchedulers.Create(options, new RowMathBackend(), new StatisticsCollector(TimeProvider.System), TimeProvider.System));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("instance count", error.Message, StringComparison.Ordinal);
        Assert.Contains("max queue size", error.Message, StringComparison.Ordinal);
        Assert.Contains("preferred batch size 8", error.Message, StringComparison.Ordinal);
        Assert.Contains("batching policy", error.Message, StringComparison.Ordinal);
    }
}
