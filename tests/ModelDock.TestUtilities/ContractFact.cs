using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ModelDock.Testing;

/// <summary>
/// A fact in a contract class that several implementations derive from. A derived class marked
/// <see cref="RequiresServiceAttribute"/> has every inherited fact skipped with the reason when the service is not
/// configured (and failed when services are required), as <see cref="RedisFactAttribute"/> does for one test.
/// </summary>
[XunitTestCaseDiscoverer("ModelDock.Testing.ContractFactDiscoverer", "ModelDock.TestUtilities")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;

/// <summary>The environment variable naming the server a contract test class runs against (see <see cref="TestServices"/>).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresServiceAttribute(string variable) : Attribute
{
    public string Variable { get; } = variable;
}

public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        [new ContractTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)];
}

/// <summary>A test case whose skip reason comes from the class it runs in, not from the method it inherits.</summary>
public sealed class ContractTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer only.")]
    public ContractTestCase()
    {
    }

    public ContractTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod)
        : base(diagnosticMessageSink, display, options, testMethod)
    {
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) =>
        TestMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresServiceAttribute).AssemblyQualifiedName)
            .Select(a => TestServices.SkipReason((string)a.GetConstructorArguments().Single()))
            .FirstOrDefault(reason => reason is not null)
        ?? base.GetSkipReason(factAttribute);
}
