"""The GraphQL schema: types, queries, mutations, subscriptions."""
