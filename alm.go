package connectorhub

import "context"

// SolutionComponent is a row of the solutioncomponent table: one component of a solution.
type SolutionComponent struct {
	ID         string // solutioncomponentid
	SolutionID string
	ObjectID   string // the component's key: a connectorid for type 372
	Type       int    // componenttype
	Behavior   int    // rootcomponentbehavior
}

// SolutionPackage is what a solution file carries, in the domain's terms: the solution, its
// publisher and the components ConnectorHub models. The store imports and exports it; the
// file format (package solutionzip) is the Web API's and the CLI's concern.
type SolutionPackage struct {
	Solution  Solution // UniqueName, FriendlyName, Version, Description, Managed
	Publisher Publisher
	// Connectors are the solution's connectors with every column that travels, Icon included.
	Connectors           []Connector
	ConnectionReferences []ConnectionReference
	EnvironmentVariables []EnvironmentVariable
	// Kept is what the file holds that ConnectorHub does not model, serialized by the Web
	// API; the store keeps it with the solution, unread, so that an export loses nothing.
	Kept string
}

// ConnectionReference is a row of the connectionreference table (spec §6).
type ConnectionReference struct {
	ID                string // connectionreferenceid; filled when ""
	LogicalName       string // connectionreferencelogicalname
	DisplayName       string
	ConnectorID       string // the API's id, /providers/Microsoft.PowerApps/apis/shared_…
	CustomConnectorID string // the custom connector it uses; "" for a standard one
	ConnectionID      string // per environment: never exported
	Description       string
	PromptingBehavior *int
	StateCode         int
	StatusCode        int
	Kept              string // the children ConnectorHub does not model, serialized by the Web API
}

// EnvironmentVariable is a row of the environmentvariabledefinition table with its current
// value, when it has one.
type EnvironmentVariable struct {
	ID                string // environmentvariabledefinitionid; filled when ""
	SchemaName        string
	DisplayName       string
	Description       string
	Type              int
	DefaultValue      string
	IsRequired        bool
	IntroducedVersion string
	SecretStore       int
	Kept              string // labels and children ConnectorHub does not model, serialized by the Web API
	Value             *EnvironmentVariableValue
}

// EnvironmentVariableValue is a row of the environmentvariablevalue table.
type EnvironmentVariableValue struct {
	ID         string // environmentvariablevalueid; filled when ""
	SchemaName string
	Value      string
}

// ImportOptions are the parameters of ImportSolution that change what an import does.
type ImportOptions struct {
	// OverwriteUnmanagedCustomizations: changes made after a managed import to its
	// connectors are replaced; otherwise they are kept (and the import log says so).
	OverwriteUnmanagedCustomizations bool
	// ConvertToManaged lets a managed import take over unmanaged components of the same ids
	// (and an unmanaged solution of its name), which it otherwise refuses.
	ConvertToManaged bool
	// ImportJobID names the importjob row; filled when "".
	ImportJobID string
}

// ImportResult says what an import did, for the import log.
type ImportResult struct {
	SolutionID string
	// Connectors lists each connector of the package by name with what happened to it:
	// "created", "updated", "kept" (its unmanaged changes were kept) or "removed" (an upgrade
	// dropped it).
	Connectors []ComponentResult
	Upgrade    bool // a managed solution replaced an older version
}

// ComponentResult is what an import did with one component.
type ComponentResult struct {
	Name   string
	ID     string
	Action string
}

// ImportJob is a row of the importjob table: the log of one import.
type ImportJob struct {
	ID           string
	Name         string
	SolutionName string
	SolutionID   string
	Progress     float64
	Data         string // <importexportxml …> with a result per component
	StartedOn    string // FormatTime; "" when unknown
	CompletedOn  string
}

// AsyncOperation is a row of the asyncoperation table: an operation the caller polls.
type AsyncOperation struct {
	ID            string
	Name          string
	OperationType int
	StatusCode    int // AsyncStatusSucceeded or AsyncStatusFailed; the state is then Completed
	Message       string
	// Result is kept for the operation's owner to download (DownloadSolutionExportData).
	Result string
}

// SolutionService manages publishers, solutions, their components, imports and exports.
// Every write needs a caller who may customize (CanCustomize); ECodePrivilegeDenied otherwise.
type SolutionService interface {
	RowReader

	// AddPublisher creates a publisher checked by NewPublisher. ECodeDuplicateKey when the id
	// or the unique name (any case) is taken.
	AddPublisher(ctx context.Context, p *Publisher) error
	// UpdatePublisher changes a publisher. ECodeNotFound, ECodeVersionMismatch; ECodeInvalidArgument
	// for a read-only one (installed by a managed solution).
	UpdatePublisher(ctx context.Context, id string, u PublisherUpdate, pre Precondition) error
	// DeletePublisher removes a publisher no solution uses; ECodeInvalidArgument otherwise and
	// for the Default publisher.
	DeletePublisher(ctx context.Context, id string, pre Precondition) error

	// AddSolution creates an unmanaged solution checked by NewSolution. ECodeDuplicateKey when
	// the id or the unique name (any case) is taken, ECodeInvalidArgument for an unknown publisher.
	AddSolution(ctx context.Context, s *Solution) error
	// UpdateSolution changes a solution's friendly name, version or description.
	// ECodeNotFound, ECodeVersionMismatch; ECodeInvalidArgument for a managed or fixed one.
	UpdateSolution(ctx context.Context, id string, u SolutionUpdate, pre Precondition) error
	// DeleteSolution deletes a solution: an unmanaged one is a container and only it goes;
	// a managed one is uninstalled with its connectors, connection references and
	// environment variables. ECodeInvalidArgument for Default and Active; ECodeDependency
	// when a connection reference of another solution uses one of its connectors.
	DeleteSolution(ctx context.Context, id string, pre Precondition) error

	// AddSolutionComponent adds an existing component to an unmanaged solution (again: no
	// change) and returns the solutioncomponentid. ECodeNotFound for an unknown
	// solution name, ECodeInvalidArgument for a managed one or an unknown component;
	// "Default" and "Active" hold every component already: no change, "".
	AddSolutionComponent(ctx context.Context, solution string, c SolutionComponent) (string, error)
	// RemoveSolutionComponent removes a component, named by its solutioncomponentid or its
	// objectid, from an unmanaged solution and returns the solutioncomponentid removed.
	RemoveSolutionComponent(ctx context.Context, solution, id string, componentType int) (string, error)
	// CheckSolutionTarget checks that components may be added to the solution of that
	// unique name (the MSCRM.SolutionUniqueName header): errors as AddSolutionComponent.
	CheckSolutionTarget(ctx context.Context, solution string) error

	// ExportSolution reads everything a solution file of the solution carries.
	// ECodeNotFound; ECodeInvalidArgument for Default, Active and managed solutions.
	ExportSolution(ctx context.Context, uniqueName string) (*SolutionPackage, error)
	// ImportSolution applies a package in one transaction: its publisher, the solution, every
	// connector (created or updated; removed by a managed upgrade when the new version no longer
	// has it), connection references and environment variables. Nothing is applied when it
	// fails. The managed rules of spec §4.4: ECodeInvalidArgument for a managed version not
	// higher than the installed one, managed over unmanaged and the reverse;
	// ECodeDuplicateKey for a connector whose name another connector has.
	ImportSolution(ctx context.Context, pkg *SolutionPackage, opt ImportOptions) (*ImportResult, error)

	// SaveImportJob writes an import's log (created, or replaced when the id exists).
	SaveImportJob(ctx context.Context, job *ImportJob) error
	// SaveAsyncOperation records a completed operation of the caller.
	SaveAsyncOperation(ctx context.Context, op *AsyncOperation) error
	// AsyncResult returns the result of the caller's completed operation of that id.
	// ECodeNotFound when there is none (or it is another caller's).
	AsyncResult(ctx context.Context, id string) (string, error)
}
