package client_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/client"
)

// This example creates connectors, lists them a page of two at a time, and reads a missing one.
func Example() {
	// A ConnectorHub server for the example; with Dataverse, the URL is the environment's,
	// e.g. https://org.crm.dynamics.com, and the token comes from Microsoft Entra ID.
	dir, err := os.MkdirTemp("", "connectorhub-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	srv, err := openServer(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.close()

	c, err := client.New(srv.URL, client.WithTokenSource(client.StaticToken("a-bearer-token")))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	for i := 1; i <= 3; i++ {
		id, err := c.CreateConnector(ctx, &client.Connector{
			ConnectorID:       fmt.Sprintf("00000000-0000-0000-0000-00000000000%d", i),
			Name:              fmt.Sprintf("cr736_demo%d", i),
			DisplayName:       fmt.Sprintf("Demo %d", i),
			ConnectorType:     1,
			OpenAPIDefinition: `{"swagger":"2.0","info":{"title":"demo","version":"1.0"},"paths":{}}`,
		}, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("created", id)
	}

	// The iterator follows @odata.nextLink from page to page.
	opts := &client.ListOptions{
		Filter:      "startswith(name," + client.Quote("cr736_demo") + ")",
		Select:      []string{"name", "displayname"},
		OrderBy:     []string{"name desc"},
		MaxPageSize: 2,
	}
	for conn, err := range c.ListConnectors(ctx, opts) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(conn.Name, conn.DisplayName)
	}

	// Or one page at a time.
	page, err := c.ListConnectorsPage(ctx, opts, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("first page: %d connectors, more: %v\n", len(page.Connectors), page.NextLink != "")

	// Errors carry the HTTP status and Dataverse's code.
	_, err = c.GetConnector(ctx, "00000000-0000-0000-0000-000000000009", nil)
	var ce *client.Error
	if errors.As(err, &ce) {
		fmt.Println(ce.Status, ce.Code, connectorhub.ErrorCode(err) == connectorhub.ECodeNotFound)
	}
	// Output:
	// created 00000000-0000-0000-0000-000000000001
	// created 00000000-0000-0000-0000-000000000002
	// created 00000000-0000-0000-0000-000000000003
	// cr736_demo3 Demo 3
	// cr736_demo2 Demo 2
	// cr736_demo1 Demo 1
	// first page: 2 connectors, more: true
	// 404 0x80040217 true
}

func ExampleQuote() {
	fmt.Println("name eq " + client.Quote("O'Brien"))
	// Output: name eq 'O''Brien'
}
