import * as customers from '../../services/customers.ts';
import type { SomeHandlers } from '../types.ts';

export const customerHandlers = {
  listCustomers: (req) => ({ status: 200, body: customers.listCustomers(req.ctx(), req.input.query as customers.CustomerListQuery) }),
  createCustomer: (req) => {
    const customer = customers.createCustomer(req.ctx(), req.input.body);
    return { status: 201, body: customer, headers: { Location: `/api/v1/customers/${customer.id}` } };
  },
  getCustomer: (req) => ({ status: 200, body: customers.getCustomer(req.ctx(), req.input.path.customer_id) }),
  updateCustomer: (req) => ({ status: 200, body: customers.updateCustomer(req.ctx(), req.input.path.customer_id, req.input.body) }),
  deleteCustomer: (req) => {
    customers.deleteCustomer(req.ctx(), req.input.path.customer_id, req.input.query.permanent === true);
    return { status: 204 };
  },
} satisfies SomeHandlers;
