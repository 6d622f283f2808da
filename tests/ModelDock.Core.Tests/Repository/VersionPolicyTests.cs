using ModelDock.Repository;
using Xunit;

namespace ModelDock.Core.Tests.Repository;

public sealed class VersionPolicyTests
{
    private static readonly long[] OnDisk = [3, 1, 10, 2];

    [Fact]
    public void Select_LatestTwo_TakesTheTwoHighest() =>
        Assert.Equal([3L, 10L], VersionPolicy.Latest(2).Select(OnDisk));

    [Fact]
    public void Select_LatestMoreThanPresent_TakesAll() =>
        Assert.Equal([1L, 2L, 3L, 10L], VersionPolicy.Latest(9).Select(OnDisk));

    [Fact]
    public void Select_All_TakesEveryVersionAscending() =>
        Assert.Equal([1L, 2L, 3L, 10L], VersionPolicy.All.Select(OnDisk));

    [Fact]
    public void Select_Specific_TakesListedVersionsPresentOnDisk() =>
        Assert.Equal([2L, 10L], VersionPolicy.Specific([10, 2, 7]).Select(OnDisk));

    [Theory]
    [InlineData("1", true)]
    [InlineData("42", true)]
    [InlineData("0", false)]
    [InlineData("01", false)]
    [InlineData("-1", false)]
    [InlineData("+1", false)]
    [InlineData("v1", false)]
    [InlineData("", false)]
    [InlineData("99999999999999999999", false)]
    public void TryParseVersion_FolderName_AcceptsOnlyPositiveIntegers(string name, bool expected) =>
        Assert.Equal(expected, RepositoryScanner.TryParseVersion(name, out _));
}
