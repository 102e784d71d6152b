#define BOOST_TEST_MODULE sync_tests
#include <boost/test/unit_test.hpp>
