using System.CommandLine;
using System.Globalization;
using ModelDock.Endpoints;
using ModelDock.Errors;
using Spectre.Console;

namespace ModelDock.Cli.Commands;

/// <summary>
/// <c>modeldock endpoints ...</c>: the names clients call, their deployments and the traffic between them, in the data
/// folder. A running <c>serve</c> on the same data folder picks every change up within its poll interval.
/// </summary>
internal static class EndpointsCommand
{
    public static Command Create()
    {
        var endpoints = new Command("endpoints", "Create endpoints, deploy registered versions to them, split and move traffic, roll back.");
        endpoints.Subcommands.Add(CreateEndpoint());
        endpoints.Subcommands.Add(Deploy());
        endpoints.Subcommands.Add(Traffic());
        endpoints.Subcommands.Add(Undeploy());
        endpoints.Subcommands.Add(Rollback());
        endpoints.Subcommands.Add(Show());
        endpoints.Subcommands.Add(List());
        endpoints.Subcommands.Add(Delete());
        return endpoints;
    }

    private static Command CreateEndpoint()
    {
        var name = EndpointArgument();
        var (dataDir, json) = (CommonOptions.DataDir(), CommandOutput.JsonOption());
        var command = new Command("create", "Creates an endpoint with no deployments.") { name, dataDir, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            Print(parse.GetValue(json), [await Open(parse.GetValue(dataDir)!).CreateAsync(parse.GetValue(name)!, Environment.UserName, cancellationToken)]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Deploy()
    {
        var name = EndpointArgument();
        var deployment = new Argument<string>("deployment") { Description = "Deployment name, e.g. blue or green." };
        var model = new Option<string>("--model") { Description = "MODEL:VERSION or MODEL@ALIAS (the alias is resolved now and the version pinned).", Required = true };
        var force = new Option<bool>("--force") { Description = "Deploy even when the version's inputs or outputs differ from the other deployments'." };
        var (dataDir, json) = (CommonOptions.DataDir(), CommandOutput.JsonOption());
        var command = new Command("deploy", "Adds a deployment (the first takes all traffic, later ones none until 'traffic'), or points one at another version.")
        {
            name, deployment, model, force, dataDir, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var endpoint = await Open(parse.GetValue(dataDir)!).DeployAsync(
                parse.GetValue(name)!, parse.GetValue(deployment)!, parse.GetValue(model)!, parse.GetValue(force), Environment.UserName, cancellationToken);
            Print(parse.GetValue(json), [endpoint]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Traffic()
    {
        var name = EndpointArgument();
        var weights = new Argument<string[]>("weights") { Description = "DEPLOYMENT=PERCENT for every deployment that takes traffic, summing to 100.", Arity = ArgumentArity.OneOrMore };
        var (dataDir, json) = (CommonOptions.DataDir(), CommandOutput.JsonOption());
        var command = new Command("traffic", "Sets the traffic split, e.g. 'traffic fraud blue=90 green=10'.") { name, weights, dataDir, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var split = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var weight in parse.GetValue(weights)!)
            {
                var equals = weight.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0 || !int.TryParse(weight[(equals + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var percent) || !split.TryAdd(weight[..equals], percent))
                {
                    throw ModelDockException.InvalidInput($"traffic: '{weight}' is not DEPLOYMENT=PERCENT with a whole percent, once per deployment");
                }
            }

            Print(parse.GetValue(json), [await Open(parse.GetValue(dataDir)!).SetTrafficAsync(parse.GetValue(name)!, split, Environment.UserName, cancellationToken)]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Undeploy()
    {
        var name = EndpointArgument();
        var deployment = new Argument<string>("deployment") { Description = "A deployment that takes no traffic." };
        var (dataDir, json) = (CommonOptions.DataDir(), CommandOutput.JsonOption());
        var command = new Command("undeploy", "Removes a deployment that takes no traffic.") { name, deployment, dataDir, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            Print(parse.GetValue(json), [await Open(parse.GetValue(dataDir)!).RemoveDeploymentAsync(parse.GetValue(name)!, parse.GetValue(deployment)!, Environment.UserName, cancellationToken)]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Rollback()
    {
        var name = EndpointArgument();
        var (dataDir, json) = (CommonOptions.DataDir(), CommandOutput.JsonOption());
        var command = new Command("rollback", "Returns the endpoint to its previous revision (deployments and traffic), as a new revision.") { name, dataDir, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            Print(parse.GetValue(json), [await Open(parse.GetValue(dataDir)!).RollbackAsync(parse.GetValue(name)!, Environment.UserName, cancellationToken)]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var name = EndpointArgument();
        var history = new Option<bool>("--history") { Description = "Every revision, oldest first, instead of the current one." };
        var (dataDir, json) = (CommonOptions.DataDir(), CommandOutput.JsonOption());
        var command = new Command("show", "Shows an endpoint's deployments and traffic.") { name, history, dataDir, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var store = Open(parse.GetValue(dataDir)!).Store;
            Print(parse.GetValue(json), parse.GetValue(history)
                ? await store.HistoryAsync(parse.GetValue(name)!, cancellationToken)
                : [await store.GetAsync(parse.GetValue(name)!, cancellationToken)]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var (dataDir, json) = (CommonOptions.DataDir(), CommandOutput.JsonOption());
        var command = new Command("list", "Lists endpoints with their deployments and traffic.") { dataDir, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            Print(parse.GetValue(json), await Open(parse.GetValue(dataDir)!).Store.ListAsync(cancellationToken));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete()
    {
        var name = EndpointArgument();
        var dataDir = CommonOptions.DataDir();
        var command = new Command("delete", "Deletes an endpoint; its revisions stay in the history.") { name, dataDir };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await Open(parse.GetValue(dataDir)!).Store.DeleteAsync(parse.GetValue(name)!, cancellationToken);
            AnsiConsole.WriteLine($"Deleted endpoint {parse.GetValue(name)}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Argument<string> EndpointArgument() => new("endpoint") { Description = "The endpoint: the model name clients call." };

    private static EndpointManager Open(DirectoryInfo dataDir) => CommonOptions.OpenRegistry(dataDir).Manager;

    private static void Print(bool json, IEnumerable<EndpointDefinition> endpoints)
    {
        var list = endpoints.ToList();
        CommandOutput.Print(
            json,
            list.Select(e => (object)new
            {
                endpoint = e.Name,
                revision = e.Revision,
                deployments = e.Deployments.Select(d => new { name = d.Name, model = d.Model, version = d.Version, alias = d.Alias, traffic = e.Traffic.GetValueOrDefault(d.Name) }),
                change = e.Change,
                changed_by = e.ChangedBy,
                changed_at = e.ChangedAt,
            }),
            () =>
            {
                var table = new Table().AddColumns("endpoint", "revision", "deployment", "model", "traffic", "change");
                foreach (var endpoint in list)
                {
                    var deployments = endpoint.Deployments.Count == 0 ? [null] : endpoint.Deployments.Cast<DeploymentSpec?>().ToList();
                    foreach (var d in deployments)
                    {
                        table.AddRow(
                            new Text(endpoint.Name),
                            new Text(endpoint.Revision.ToString(CultureInfo.InvariantCulture)),
                            new Text(d?.Name ?? "-"),
                            new Text(d is null ? "-" : $"{d.Model}:{d.Version}{(d.Alias is null ? string.Empty : $" (@{d.Alias})")}"),
                            new Text(d is null ? "-" : $"{endpoint.Traffic.GetValueOrDefault(d.Name)}%"),
                            new Text($"{endpoint.Change} ({endpoint.ChangedBy}, {endpoint.ChangedAt:u})"));
                    }
                }

                return table;
            });
    }
}
