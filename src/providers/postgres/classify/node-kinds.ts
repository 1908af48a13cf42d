/**
 * The allow-list of parse-tree nodes (libpg-query / PostgreSQL 17 raw parse tree, names as in
 * @pgsql/types) that cannot change stored data by themselves. A statement judged safe by its
 * statement rule is safe only if every node below it is listed here (FuncCall is judged by name,
 * see PURE_FUNCTIONS). Any other node, e.g. an INSERT/UPDATE/DELETE/MERGE inside a WITH clause,
 * makes the statement opaque: backout does not guess about what it cannot see through.
 */
export const INERT_NODES: ReadonlySet<string> = new Set([
  // Literals, names and lists: values, not actions.
  "Integer",
  "Float",
  "Boolean",
  "String",
  "BitString",
  "List",
  "OidList",
  "IntList",
  "A_Const",
  "A_Star",
  "A_Indices",
  "A_Indirection",
  "A_ArrayExpr",
  "ColumnRef",
  "ParamRef",
  "TypeName",
  "TypeCast",
  "CollateClause",
  "RangeVar",
  "Alias",
  "RoleSpec",
  "ObjectWithArgs",
  "AccessPriv",
  "DefElem",
  "NamedArgExpr",
  // Operators and conditional expressions: built-in operators compute values only (a user-defined
  // operator runs a function, but PostgreSQL evaluates it like any function call in a query: it
  // cannot be told apart here, and an operator's function that writes is not a migration idiom).
  "A_Expr",
  "BoolExpr",
  "NullTest",
  "BooleanTest",
  "CaseExpr",
  "CaseWhen",
  "CoalesceExpr",
  "MinMaxExpr",
  "SQLValueFunction",
  "RowExpr",
  "SubLink",
  "GroupingFunc",
  "SetToDefault",
  "MultiAssignRef",
  "CurrentOfExpr",
  "XmlExpr",
  "XmlSerialize",
  "JsonValueExpr",
  "JsonFormat",
  "JsonReturning",
  "JsonOutput",
  "JsonArgument",
  "JsonFuncExpr",
  "JsonKeyValue",
  "JsonParseExpr",
  "JsonScalarExpr",
  "JsonSerializeExpr",
  "JsonObjectConstructor",
  "JsonArrayConstructor",
  "JsonArrayQueryConstructor",
  "JsonAggConstructor",
  "JsonObjectAgg",
  "JsonArrayAgg",
  "JsonIsPredicate",
  "JsonBehavior",
  "JsonTable",
  "JsonTableColumn",
  "JsonTablePathSpec",
  // Query structure: reading (SELECT, joins, sub-selects, CTEs whose query is itself checked).
  "SelectStmt",
  "ResTarget",
  "JoinExpr",
  "RangeSubselect",
  "RangeFunction",
  "RangeTableSample",
  "RangeTableFunc",
  "RangeTableFuncCol",
  "SortBy",
  "WindowDef",
  "GroupingSet",
  "LockingClause",
  "WithClause",
  "CommonTableExpr",
  "CTESearchClause",
  "CTECycleClause",
  "IntoClause",
  "InferClause",
  "MergeWhenClause",
  "OnConflictClause",
  // Pieces of definitions: what a column, constraint, index, partition, trigger or statistics
  // object looks like. The statement rule judges what the definition does.
  "ColumnDef",
  "Constraint",
  "IndexElem",
  "FunctionParameter",
  "PartitionSpec",
  "PartitionElem",
  "PartitionBoundSpec",
  "PartitionRangeDatum",
  "PartitionCmd",
  "TableLikeClause",
  "TriggerTransition",
  "StatsElem",
  "CreateOpClassItem",
  "VacuumRelation",
  "PublicationObjSpec",
  "PublicationTable",
  "ReplicaIdentityStmt",
  // Judged command by command by the ALTER TABLE rule.
  "AlterTableCmd",
]);

/** Statements that change rows when nested (a data-modifying WITH, EXPLAIN ANALYZE...). */
export const DATA_MODIFYING_NODES: ReadonlySet<string> = new Set([
  "InsertStmt",
  "UpdateStmt",
  "DeleteStmt",
  "MergeStmt",
]);

/**
 * Fields of a statement that PostgreSQL stores without evaluating now: a function's body, a
 * view's query, a rule's actions, a trigger's WHEN, a policy's expressions, a new table's
 * defaults. They run later, on future writes, never on the rows this down leaves behind.
 * Index and statistics expressions may call only IMMUTABLE functions, which PostgreSQL runs
 * read-only, so they are not checked either.
 */
export const DEFERRED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  CreateFunctionStmt: ["sql_body", "options", "parameters", "returnType"],
  ViewStmt: ["query"],
  RuleStmt: ["whereClause", "actions"],
  CreateTrigStmt: ["whenClause"],
  CreatePolicyStmt: ["qual", "with_check"],
  AlterPolicyStmt: ["qual", "with_check"],
  CreateStmt: ["tableElts"],
  CreateDomainStmt: ["constraints"],
  PrepareStmt: ["query"],
  IndexStmt: ["indexParams", "indexIncludingParams", "whereClause"],
  CreateStatsStmt: ["exprs"],
};
